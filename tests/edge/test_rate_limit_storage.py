"""C14: counters shared through Redis across processes; limits hold when Redis is down."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from httpx import AsyncClient

from app.core.clock import clock
from app.core.ratelimit import OUTAGE_RETRY
from tests.edge.conftest import SERVED_LOGIN_LIMIT, EdgeApps, json_lines
from tests.edge.servers import Server, free_port
from tests.edge.tcp_relay import TcpRelay

pytestmark = pytest.mark.checklist("C14")

REDIS_URL = os.environ.get("REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="needs a Redis server: set REDIS_URL, e.g. redis://127.0.0.1:6379/12"
)
LIMITED = "/api/v1/edge-test/limited"


async def statuses(client: AsyncClient, count: int) -> list[int]:
    return [(await client.post(LIMITED)).status_code for _ in range(count)]


def events(output: str) -> list[str]:
    return [line["event"] for line in json_lines(output)]


@needs_redis
def test_two_server_processes_sharing_redis_enforce_one_limit(served: list[Server]) -> None:
    answers = [
        httpx.post(f"{served[n % 2].url}{LIMITED}", timeout=5).status_code
        for n in range(SERVED_LOGIN_LIMIT + 2)
    ]
    assert answers == [200] * SERVED_LOGIN_LIMIT + [429, 429]


async def test_with_redis_unreachable_requests_are_served_and_limited_locally(
    edge: EdgeApps, capsys: pytest.CaptureFixture[str]
) -> None:
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    app = await edge.build(redis_url=nobody_listens, rate_limits={"login_ip": "2/minute"})
    client = await edge.client(app)
    assert await statuses(client, 4) == [200, 200, 429, 429]
    logged = json_lines(capsys.readouterr().out)
    outages = [line for line in logged if line["event"] == "rate_limit_storage_unreachable"]
    assert len(outages) == 1, "one error per outage, not one per request"
    assert outages[0]["level"] == "error"


@needs_redis
async def test_when_redis_answers_again_the_shared_counters_are_used(
    edge: EdgeApps, capsys: pytest.CaptureFixture[str]
) -> None:
    assert REDIS_URL is not None
    redis = urlsplit(REDIS_URL)
    relay = TcpRelay(redis.hostname or "127.0.0.1", redis.port or 6379)
    await relay.start()
    await relay.cut()
    shared = {
        "rate_limit_key_prefix": f"edge-recovery-{secrets.token_hex(6)}",
        "secret_key": secrets.token_urlsafe(48),
        "rate_limits": {"login_ip": "3/minute"},
    }
    try:
        relayed_url = f"redis://127.0.0.1:{relay.port}{redis.path}"
        relayed = await edge.client(await edge.build(redis_url=relayed_url, **shared))
        direct = await edge.client(await edge.build(**shared))
        assert await statuses(relayed, 1) == [200]  # Redis down: counted in process memory
        await relay.start()
        clock.freeze()
        clock.advance(OUTAGE_RETRY + timedelta(seconds=1))
        assert await statuses(relayed, 1) == [200]  # counted in Redis again
        assert await statuses(direct, 3) == [200, 200, 429]  # sees that one hit, not the first
    finally:
        await relay.cut()
    logged = events(capsys.readouterr().out)
    assert logged.count("rate_limit_storage_unreachable") == 1
    assert logged.count("rate_limit_storage_recovered") == 1
