"""C05: opaque hashed session tokens, cookie flags, server-side logout, lifetimes, no fixation."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from app.accounts.models import UserSession
from app.core.clock import clock
from app.core.settings import Settings
from app.main import create_app
from tests.support.accounts import Member, log_in, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C05")

EMAIL = "barbara@example.org"


def session_cookie(response_headers: list[str], name: str = "session") -> str:
    return next(header for header in response_headers if header.startswith(f"{name}="))


@pytest.fixture
async def member(client: AsyncClient, smtp_sink: SmtpSink) -> Member:
    return await verified_member(client, smtp_sink, EMAIL)


async def test_the_session_token_is_long_random_and_stored_only_as_a_hash(
    member: Member, client: AsyncClient, app: FastAPI
) -> None:
    token = client.cookies["session"]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    async with app.state.database.sessionmaker() as db:
        stored = (await db.execute(select(UserSession.token_hash))).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


async def test_the_session_cookie_is_httponly_samesite_lax_and_path_root(
    member: Member, client: AsyncClient
) -> None:
    response = await log_in(client, EMAIL)
    cookie = session_cookie(response.headers.get_list("set-cookie")).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie


async def test_the_csrf_cookie_is_readable_by_the_page(member: Member, client: AsyncClient) -> None:
    response = await log_in(client, EMAIL)
    cookie = session_cookie(response.headers.get_list("set-cookie"), "csrf_token").lower()
    assert "httponly" not in cookie
    assert response.json()["csrf_token"] == client.cookies["csrf_token"]


@pytest.fixture
async def production_client(
    settings: Settings, smtp_sink: SmtpSink
) -> AsyncIterator[tuple[AsyncClient, FastAPI]]:
    """The app as production configures cookies: https public URL and the __Host- prefix."""
    production = settings.model_copy(
        update={"environment": "production", "public_url": "https://community.example.org",
                "allowed_hosts": ["community.example.org"]}
    )  # fmt: skip
    application = create_app(production)
    transport = ASGITransport(app=application)
    async with (
        application.router.lifespan_context(application),
        AsyncClient(transport=transport, base_url="https://community.example.org") as http,
    ):
        yield http, application


async def test_in_production_the_cookie_is_host_prefixed_and_secure(
    production_client: tuple[AsyncClient, FastAPI], smtp_sink: SmtpSink
) -> None:
    http, _ = production_client
    await verified_member(http, smtp_sink, EMAIL)
    response = await log_in(http, EMAIL)
    cookie = session_cookie(response.headers.get_list("set-cookie"), "__Host-session").lower()
    assert "secure" in cookie
    assert "httponly" in cookie
    assert "domain=" not in cookie
    assert (await http.get("/api/v1/me")).status_code == 200


async def test_after_logout_the_old_cookie_is_refused(
    member: Member, client: AsyncClient, new_client: Callable[..., AsyncClient]
) -> None:
    stolen = new_client()
    stolen.cookies.set("session", client.cookies["session"])
    assert (await stolen.get("/api/v1/me")).status_code == 200
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    assert (await stolen.get("/api/v1/me")).status_code == 401


async def test_logout_all_ends_every_session(
    member: Member, client: AsyncClient, new_client: Callable[..., AsyncClient]
) -> None:
    phone = new_client()
    await log_in(phone, EMAIL)
    assert (await client.post("/api/v1/auth/logout-all")).status_code == 204
    assert (await phone.get("/api/v1/me")).status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_session_idle_past_its_limit_ends(
    member: Member, client: AsyncClient, settings: Settings
) -> None:
    clock.freeze()
    clock.advance(timedelta(minutes=settings.session_idle_minutes, seconds=1))
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_activity_keeps_a_session_alive_past_the_idle_limit(
    member: Member, client: AsyncClient, settings: Settings
) -> None:
    clock.freeze()
    half = timedelta(minutes=settings.session_idle_minutes / 2 + 1)
    for _ in range(3):
        clock.advance(half)
        assert (await client.get("/api/v1/me")).status_code == 200


async def test_a_session_ends_at_its_absolute_lifetime_despite_activity(
    member: Member, client: AsyncClient, settings: Settings
) -> None:
    clock.freeze()
    step = timedelta(minutes=settings.session_idle_minutes - 1)
    elapsed = timedelta()
    while elapsed + step < timedelta(hours=settings.session_absolute_hours):
        clock.advance(step)
        elapsed += step
        assert (await client.get("/api/v1/me")).status_code == 200
    clock.advance(step)
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_every_login_issues_a_new_token(member: Member, client: AsyncClient) -> None:
    first = client.cookies["session"]
    await log_in(client, EMAIL)
    assert client.cookies["session"] != first


async def test_a_session_cookie_planted_before_login_is_not_adopted(
    client: AsyncClient, smtp_sink: SmtpSink, new_client: Callable[..., AsyncClient]
) -> None:
    await verified_member(new_client(), smtp_sink, EMAIL)
    planted = "attacker-chosen-session-value-that-is-long-enough-0001"
    client.cookies.set("session", planted)
    response = await log_in(client, EMAIL)
    assert response.status_code == 200
    issued = session_cookie(response.headers.get_list("set-cookie")).split(";")[0]
    assert issued != f"session={planted}"
    attacker = new_client()
    attacker.cookies.set("session", planted)
    assert (await attacker.get("/api/v1/me")).status_code == 401


async def test_a_session_token_in_the_query_string_is_ignored(
    member: Member, client: AsyncClient, new_client: Callable[..., AsyncClient]
) -> None:
    token = client.cookies["session"]
    response = await new_client().get("/api/v1/me", params={"session": token})
    assert response.status_code == 401


async def test_a_stale_cookie_makes_the_request_anonymous_not_an_error(
    client: AsyncClient,
) -> None:
    client.cookies.set("session", "no-such-session")
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_password_change_ends_the_other_sessions_but_not_this_one(
    member: Member, client: AsyncClient, new_client: Callable[..., AsyncClient]
) -> None:
    phone = new_client()
    await log_in(phone, EMAIL)
    response = await client.post(
        "/api/v1/auth/password-change",
        json={"current_password": member.password, "new_password": "a fresh new passphrase"},
    )
    assert response.status_code == 204
    assert (await phone.get("/api/v1/me")).status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_a_password_change_needs_the_current_password(
    member: Member, client: AsyncClient
) -> None:
    response = await client.post(
        "/api/v1/auth/password-change",
        json={"current_password": "not my password", "new_password": "a fresh new passphrase"},
    )
    assert response.status_code == 403
    assert (await log_in(client, EMAIL, member.password)).status_code == 200


async def test_a_user_lists_their_sessions_and_ends_one(
    member: Member, client: AsyncClient, new_client: Callable[..., AsyncClient]
) -> None:
    phone = new_client()
    await log_in(phone, EMAIL)
    listed = (await client.get("/api/v1/me/sessions")).json()["items"]
    assert len(listed) == 2
    assert sum(item["current"] for item in listed) == 1
    other = next(item for item in listed if not item["current"])
    assert (await client.delete(f"/api/v1/me/sessions/{other['id']}")).status_code == 204
    assert (await phone.get("/api/v1/me")).status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_another_users_session_cannot_be_ended(
    member: Member, client: AsyncClient, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    other = new_client()
    await verified_member(other, smtp_sink, "someone.else@example.org")
    their_session = (await other.get("/api/v1/me/sessions")).json()["items"][0]["id"]
    response = await client.delete(f"/api/v1/me/sessions/{their_session}")
    assert response.status_code == 404
    assert (await other.get("/api/v1/me")).status_code == 200
