"""C17: a configured secret's value never reaches a log line, whatever key or message carries it."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator

import pytest
import structlog
from fastapi import APIRouter, FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy.engine import URL

from app.authz.policies import PublicRoute
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import PUBLIC_URL

pytestmark = pytest.mark.checklist("C17")

SMTP_PASSWORD = f"smtp-{secrets.token_urlsafe(18)}"
METRICS_TOKEN = f"metrics-{secrets.token_urlsafe(18)}"


def _leaky_router() -> APIRouter:
    router = APIRouter(prefix="/test-leak")

    @router.get("/structlog")
    async def structlog_line(_: PublicRoute) -> dict[str, str]:
        structlog.get_logger("tests.leak").info(
            f"connecting with {SMTP_PASSWORD}", detail={"note": METRICS_TOKEN}
        )
        return {}

    @router.get("/stdlib")
    async def stdlib_line(_: PublicRoute) -> dict[str, str]:
        logging.getLogger("tests.leak").warning("smtp said no to %s", SMTP_PASSWORD)
        return {}

    @router.get("/boom")
    async def boom(_: PublicRoute) -> dict[str, str]:
        raise RuntimeError(f"login failed for password {SMTP_PASSWORD}")

    return router


@pytest.fixture(scope="module")
async def leaky_app(settings: Settings) -> AsyncIterator[FastAPI]:
    configured = settings.model_copy(
        update={
            "smtp_password": SecretStr(SMTP_PASSWORD),
            "metrics_token": SecretStr(METRICS_TOKEN),
        }
    )
    application = create_app(configured)
    application.include_router(_leaky_router())
    yield application
    await application.state.database.dispose()


@pytest.fixture
async def http(leaky_app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=leaky_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client


@pytest.mark.parametrize("path", ["/test-leak/structlog", "/test-leak/stdlib", "/test-leak/boom"])
async def test_a_secret_value_in_any_log_line_is_redacted(
    http: AsyncClient, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    await http.get(path)
    output = capsys.readouterr().out
    assert "[REDACTED]" in output
    assert SMTP_PASSWORD not in output
    assert METRICS_TOKEN not in output


def _url(scheme: str, password: str, username: str | None = None) -> str:
    url = URL.create(scheme, username=username, password=password, host="db.internal")
    return url.render_as_string(hide_password=False)


def test_the_password_inside_a_service_url_counts_as_a_secret() -> None:
    password = secrets.token_urlsafe(12)
    configured = Settings(
        database_url=_url("postgresql+asyncpg", password, username="app"),
        redis_url=_url("redis", f"{password}x", username="default"),
    )
    assert {password, f"{password}x"} <= set(configured.secret_values())


def test_short_values_are_not_treated_as_secrets() -> None:
    configured = Settings(database_url=_url("postgresql+asyncpg", "pw", username="app"))
    assert "pw" not in configured.secret_values()
