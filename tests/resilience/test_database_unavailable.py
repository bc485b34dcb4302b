"""Database trouble answers 503 `service_unavailable` with Retry-After, never a 500 or a hang."""

from __future__ import annotations

import time

from httpx import ASGITransport, AsyncClient

from app.main import create_app
from tests.conftest import PUBLIC_URL, make_settings
from tests.support.smtp_sink import SmtpSink

UNREACHABLE = "sqlite+aiosqlite:////nonexistent/dir/db.sqlite"


async def _post_login(smtp_sink: SmtpSink) -> tuple[int, dict[str, str], dict[str, object]]:
    app = create_app(make_settings(UNREACHABLE, smtp_sink.port, rate_limits_enabled=False))
    async with AsyncClient(transport=ASGITransport(app=app), base_url=PUBLIC_URL) as http:
        response = await http.post(
            "/api/v1/auth/login",
            json={"email": "someone@example.org", "password": "a long enough passphrase"},
        )
    await app.state.database.dispose()
    return response.status_code, dict(response.headers), response.json()


async def test_an_unreachable_database_answers_503_with_retry_after(smtp_sink: SmtpSink) -> None:
    status, headers, body = await _post_login(smtp_sink)
    assert status == 503
    assert int(headers["retry-after"]) > 0
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "service_unavailable"
    assert error["request_id"] == headers["x-request-id"]


async def test_readyz_answers_within_two_seconds_when_the_database_is_unreachable(
    smtp_sink: SmtpSink,
) -> None:
    app = create_app(make_settings(UNREACHABLE, smtp_sink.port))
    started = time.monotonic()
    async with AsyncClient(transport=ASGITransport(app=app), base_url=PUBLIC_URL) as http:
        response = await http.get("/readyz")
    elapsed = time.monotonic() - started
    await app.state.database.dispose()
    assert response.status_code == 503
    assert elapsed < 2.0
