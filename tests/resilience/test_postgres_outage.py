"""PostgreSQL stopped for 10 s during a write load, then started again (issue 19).

A real, throw-away server (tests/support/throwaway_postgres.py) on its own port: the
writes fail fast with 503 and Retry-After (no hang, no 500), /readyz says 503 within
2 s, the service recovers without a restart, and every write answered 201 is there.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from app.core.migrations import upgrade
from app.main import create_app
from app.spaces.models import Space
from tests.conftest import PUBLIC_URL, make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.throwaway_postgres import ThrowawayPostgres
from tests.support.world import seed_world

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="fault tests run in the PostgreSQL leg (DATABASE_URL=postgresql+asyncpg://...)",
)
OUTAGE_SECONDS = 10.0
FAST_SECONDS = 5.0  # no request may take longer than this, outage or not


@dataclass
class Outcome:
    name: str
    status: int
    seconds: float
    retry_after: str | None
    code: str | None


@pytest.fixture
async def postgres() -> AsyncIterator[ThrowawayPostgres]:
    # Not pytest's tmp_path: the server user must reach the folder, and root's is private.
    folder = Path(tempfile.mkdtemp(prefix="rt-fault-pg-"))
    server = ThrowawayPostgres(folder)
    await asyncio.to_thread(server.init)
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop_quietly)
        shutil.rmtree(folder, ignore_errors=True)


async def _writer(
    http: AsyncClient, org_id: str, tag: str, outcomes: list[Outcome], stop: asyncio.Event
) -> None:
    number = 0
    while not stop.is_set():
        number += 1
        name = f"Space {tag} {number}"
        started = time.monotonic()
        response = await http.post(f"/api/v1/orgs/{org_id}/spaces", json={"name": name})
        code = None
        if response.status_code >= 400:
            code = response.json().get("error", {}).get("code")
        outcomes.append(
            Outcome(
                name,
                response.status_code,
                time.monotonic() - started,
                response.headers.get("retry-after"),
                code,
            )
        )
        await asyncio.sleep(0.05)


async def test_a_postgres_outage_answers_503_fast_and_loses_no_acknowledged_write(
    postgres: ThrowawayPostgres, smtp_sink: SmtpSink
) -> None:
    await asyncio.to_thread(upgrade, postgres.url)
    settings = make_settings(
        postgres.url, smtp_sink.port, rate_limits_enabled=False, redis_url=None
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with app.state.database.sessionmaker() as db:
            world = await seed_world(db, settings)
        org_id = world.refs["org_id"]
        outcomes: list[Outcome] = []
        stop = asyncio.Event()
        async with (
            world.client_for(app, "owner") as http,
            AsyncClient(transport=ASGITransport(app=app), base_url=PUBLIC_URL) as probe,
        ):
            writers = [
                asyncio.create_task(_writer(http, org_id, tag, outcomes, stop))
                for tag in ("a", "b", "c")
            ]
            await asyncio.sleep(1.5)
            await asyncio.to_thread(postgres.stop)
            stopped_at = time.monotonic()
            started = time.monotonic()
            ready = await probe.get("/readyz")
            readyz_seconds = time.monotonic() - started
            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
            during_outage = len(outcomes)
            await asyncio.to_thread(postgres.start)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if any(o.status == 201 for o in outcomes[during_outage:]):
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)
            stop.set()
            await asyncio.gather(*writers)
            ready_after = await probe.get("/readyz")
        async with app.state.database.sessionmaker() as db:
            stored = set((await db.scalars(select(Space.name))).all())

    assert ready.status_code == 503
    assert readyz_seconds < 2.0
    assert ready_after.status_code == 200
    statuses = {o.status for o in outcomes}
    assert statuses <= {201, 503}, [o for o in outcomes if o.status not in (201, 503)][:3]
    unavailable = [o for o in outcomes if o.status == 503]
    assert unavailable, "no write met the outage"
    assert all(o.retry_after and o.code == "service_unavailable" for o in unavailable)
    assert max(o.seconds for o in outcomes) < FAST_SECONDS
    assert any(o.status == 201 for o in outcomes[during_outage:]), "no recovery"
    acknowledged = {o.name for o in outcomes if o.status == 201}
    assert acknowledged <= stored, acknowledged - stored
