"""Liveness and readiness (C22)."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from app.main import create_app
from tests.conftest import PUBLIC_URL, make_settings
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C22")


async def test_healthz_answers_ok_with_a_request_id(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["X-Request-ID"]


async def test_readyz_answers_ready_on_a_migrated_database(client: AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


async def _readyz(database_url: str, smtp_sink: SmtpSink) -> tuple[int, dict[str, str]]:
    app = create_app(make_settings(database_url, smtp_sink.port))
    async with AsyncClient(transport=ASGITransport(app=app), base_url=PUBLIC_URL) as http:
        response = await http.get("/readyz")
    await app.state.database.dispose()
    return response.status_code, response.json()


async def test_readyz_is_503_when_the_database_is_unreachable(smtp_sink: SmtpSink) -> None:
    status, body = await _readyz("sqlite+aiosqlite:////nonexistent/dir/db.sqlite", smtp_sink)
    assert status == 503
    assert body["reason"] == "database_unreachable"


async def test_readyz_is_503_when_migrations_are_pending(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}"
    status, body = await _readyz(url, smtp_sink)
    assert status == 503
    assert body["reason"] == "migrations_pending"
