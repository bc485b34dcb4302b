"""C17: a secret's value never reaches a log line, whatever key or message carries it.

Two kinds of secret: the configured ones (SMTP password, metrics token), and the ones a
request carries or makes (a posted password, its session cookie, its CSRF header, a
token it mails).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import AsyncIterator

import pytest
import structlog
from fastapi import APIRouter, FastAPI, Request
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import URL

from app.authz.policies import PublicRoute
from app.core.json_body import api_router
from app.core.logging import end_request_secrets, start_request_secrets
from app.core.settings import Settings
from app.mail.unsubscribe_tokens import unsubscribe_token
from app.main import create_app
from app.pages.forms import form_fields
from tests.conftest import PUBLIC_URL
from tests.support.accounts import mailed_token, sign_up, verified_member
from tests.support.orgs import create_org, invite
from tests.support.smtp_sink import SmtpSink

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


class PostedPassword(BaseModel):
    password: str


def _careless_router() -> APIRouter:
    """Routes that log what a request carries under innocent names, as a careless
    change to a handler might."""
    router = api_router(prefix="/test-careless")
    log = structlog.get_logger("tests.careless")

    @router.post("/posted")
    async def posted(_: PublicRoute, body: PostedPassword) -> dict[str, str]:
        log.info("attempt", note=body.password)
        return {}

    @router.get("/carried")
    async def carried(_: PublicRoute, request: Request) -> dict[str, str]:
        log.info("carried", cookie_seen=None, note=request.cookies.get("session"))
        log.info("header", note=request.headers.get("x-csrf-token"))
        log.info("bearer", note=request.headers.get("authorization", "").partition(" ")[2])
        log.info("query", note=request.query_params.get("token"))
        return {}

    @router.post("/form")
    async def form(_: PublicRoute, request: Request) -> dict[str, str]:
        log.info("form", note=(await form_fields(request)).get("password"))
        return {}

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
    application.include_router(_careless_router())
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


async def test_a_posted_password_logged_under_an_innocent_key_is_redacted(
    http: AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    password = f"posted-{secrets.token_urlsafe(12)}"
    assert (
        await http.post("/test-careless/posted", json={"password": password})
    ).status_code == 200
    output = capsys.readouterr().out
    assert "attempt" in output
    assert password not in output


@pytest.mark.parametrize(
    "carried",
    [
        {"cookies": {"session": "cookie-value-0123456789"}},
        {"headers": {"X-CSRF-Token": "csrf-header-value-0123456789"}},
        {"headers": {"Authorization": "Bearer bearer-value-0123456789"}},
        {"params": {"token": "query-value-0123456789"}},
    ],
    ids=["session-cookie", "csrf-header", "bearer-token", "query-token"],
)
async def test_a_credential_the_request_carries_is_redacted_under_an_innocent_key(
    leaky_app: FastAPI, capsys: pytest.CaptureFixture[str], carried: dict[str, dict[str, str]]
) -> None:
    transport = ASGITransport(app=leaky_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url=PUBLIC_URL, **carried) as client:  # type: ignore[arg-type]
        params = carried.pop("params", None)
        assert (await client.get("/test-careless/carried", params=params)).status_code == 200
    output = capsys.readouterr().out
    assert "carried" in output
    assert "-value-0123456789" not in output


async def test_a_password_posted_from_a_page_form_is_redacted_under_an_innocent_key(
    http: AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    password = f"form-{secrets.token_urlsafe(12)}"
    answer = await http.post("/test-careless/form", data={"password": password})
    assert answer.status_code == 200
    output = capsys.readouterr().out
    assert '"form"' in output or "form" in output
    assert password not in output


async def test_a_login_and_its_mail_leave_no_password_or_token_in_the_log(
    client: AsyncClient, smtp_sink: SmtpSink, capsys: pytest.CaptureFixture[str]
) -> None:
    email = f"logs-{secrets.token_hex(4)}@example.org"
    password = f"login-{secrets.token_urlsafe(12)}"
    member = await verified_member(client, smtp_sink, email, password)
    session = client.cookies.get("session")
    output = capsys.readouterr().out
    assert '"/api/v1/auth/login"' in output or "/api/v1/auth/login" in output
    for secret in (password, session, member.csrf):
        assert secret and secret not in output


async def test_a_mailed_token_never_reaches_the_log_of_the_request_that_made_it(
    client: AsyncClient, smtp_sink: SmtpSink, capsys: pytest.CaptureFixture[str]
) -> None:
    email = f"mailed-{secrets.token_hex(4)}@example.org"
    assert (await sign_up(client, email)).status_code == 202
    token = await mailed_token(smtp_sink, email, "verify-email")
    assert token not in capsys.readouterr().out


async def test_a_mailed_invite_token_never_reaches_the_log_of_the_request_that_made_it(
    client: AsyncClient, smtp_sink: SmtpSink, capsys: pytest.CaptureFixture[str]
) -> None:
    await verified_member(client, smtp_sink, f"coach-{secrets.token_hex(4)}@example.org")
    org_id = await create_org(client, slug=f"logs-{secrets.token_hex(3)}")
    invitee = f"invitee-{secrets.token_hex(4)}@example.org"
    capsys.readouterr()
    await invite(client, org_id, invitee)
    token = await mailed_token(smtp_sink, invitee, "invite")
    assert token not in capsys.readouterr().out


def test_an_unsubscribe_token_made_for_a_mail_is_redacted_from_the_requests_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    start_request_secrets()
    try:
        token = unsubscribe_token(secrets.token_urlsafe(32), uuid.uuid4(), "replies")
        structlog.get_logger("tests.careless").info("made", note=token)
    finally:
        end_request_secrets()
    output = capsys.readouterr().out
    assert "made" in output
    assert token not in output
