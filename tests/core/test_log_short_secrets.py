"""C17: the shortest configured secret the settings accept is still caught by value, even
as a whole short value: redaction skips only texts shorter than every secret."""

from __future__ import annotations

import secrets
import string
from collections.abc import AsyncIterator

import pytest
import structlog
from fastapi import APIRouter
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from app.authz.policies import PublicRoute
from app.core.settings import MIN_REDACTED_SECRET_CHARS, Settings
from app.main import create_app
from tests.conftest import PUBLIC_URL

pytestmark = pytest.mark.checklist("C17")

SHORT_SECRET = "".join(
    secrets.choice(string.ascii_letters) for _ in range(MIN_REDACTED_SECRET_CHARS)
)


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[AsyncClient]:
    router = APIRouter()

    @router.get("/test-short-secret")
    async def careless(_: PublicRoute) -> dict[str, str]:
        structlog.get_logger("tests.careless").info("sent", note=SHORT_SECRET)
        return {}

    application = create_app(settings.model_copy(update={"smtp_password": SecretStr(SHORT_SECRET)}))
    application.include_router(router)
    transport = ASGITransport(app=application)
    async with AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client
    await application.state.database.dispose()


async def test_a_configured_secret_of_the_shortest_length_is_redacted_as_a_whole_value(
    http: AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await http.get("/test-short-secret")).status_code == 200
    output = capsys.readouterr().out
    assert '"note": "[REDACTED]"' in output
    assert SHORT_SECRET not in output
