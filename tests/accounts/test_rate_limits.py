"""C14: the account, token and invite routes answer 429 with Retry-After past their limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from app.main import create_app
from tests.conftest import PUBLIC_URL, make_settings
from tests.support.accounts import verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C14")

TIGHT = {
    "login_ip": "3/minute",
    "login_failures_account_ip": "2/15minutes",
    "signup_ip": "2/minute",
    "magic_link_ip": "2/minute",
    "magic_link_account": "1/minute",
    "password_reset_ip": "2/minute",
    "password_reset_account": "1/minute",
    "token_exchange_ip": "2/minute",
    "invite_accept_ip": "2/minute",
    "mail_recipient_cooldown": "1000/minute",  # each limit here proves itself alone
}


@pytest.fixture
async def tight_app(database_url: str, smtp_sink: SmtpSink, app: FastAPI) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url, smtp_sink.port, rate_limits=TIGHT))
    async with application.router.lifespan_context(application):
        yield application


def client_of(application: FastAPI, ip: str = "198.51.100.7") -> AsyncClient:
    return AsyncClient(
        transport=ASGITransport(app=application, client=(ip, 4000)), base_url=PUBLIC_URL
    )


async def statuses(client: AsyncClient, path: str, bodies: list[dict[str, str]]) -> list[int]:
    return [(await client.post(path, json=body)).status_code for body in bodies]


def assert_refused_politely(response_headers: dict[str, str], status: int) -> None:
    assert status == 429
    assert int(response_headers["retry-after"]) >= 1


async def test_login_is_limited_per_client_ip(tight_app: FastAPI) -> None:
    async with client_of(tight_app) as client:
        bodies = [{"email": f"u{i}@example.org", "password": "wrong password"} for i in range(4)]
        codes = await statuses(client, "/api/v1/auth/login", bodies)
        assert codes == [401, 401, 401, 429]
        last = await client.post("/api/v1/auth/login", json=bodies[0])
        assert_refused_politely(dict(last.headers), last.status_code)
        assert last.json()["error"]["code"] == "rate_limited"


async def test_another_client_ip_is_not_affected(tight_app: FastAPI) -> None:
    body = {"email": "u@example.org", "password": "wrong password"}
    async with client_of(tight_app) as first, client_of(tight_app, "198.51.100.8") as second:
        await statuses(first, "/api/v1/auth/login", [body] * 3)
        assert (await first.post("/api/v1/auth/login", json=body)).status_code == 429
        assert (await second.post("/api/v1/auth/login", json=body)).status_code == 401


async def test_wrong_passwords_for_one_account_slow_it_down_from_that_address(
    tight_app: FastAPI, smtp_sink: SmtpSink
) -> None:
    async with client_of(tight_app) as owner, client_of(tight_app, "203.0.113.50") as stranger:
        member = await verified_member(owner, smtp_sink, "victim@example.org")
        wrong = {"email": member.email, "password": "guess guess guess"}
        assert await statuses(stranger, "/api/v1/auth/login", [wrong] * 3) == [401, 401, 429]
        right = {"email": member.email, "password": member.password}
        assert (await owner.post("/api/v1/auth/login", json=right)).status_code == 200


async def test_signup_is_limited_per_client_ip(tight_app: FastAPI) -> None:
    async with client_of(tight_app) as client:
        bodies = [
            {"email": f"n{i}@example.org", "password": "good enough pass", "display_name": "N"}
            for i in range(3)
        ]
        assert await statuses(client, "/api/v1/auth/signup", bodies) == [202, 202, 429]


async def test_magic_links_are_limited_per_account(tight_app: FastAPI) -> None:
    async with client_of(tight_app) as first, client_of(tight_app, "198.51.100.9") as second:
        body = {"email": "someone@example.org"}
        assert (await first.post("/api/v1/auth/magic-link", json=body)).status_code == 202
        assert (await second.post("/api/v1/auth/magic-link", json=body)).status_code == 429


async def test_password_resets_are_limited_per_account(tight_app: FastAPI) -> None:
    async with client_of(tight_app) as first, client_of(tight_app, "198.51.100.9") as second:
        body = {"email": "someone@example.org"}
        assert (await first.post("/api/v1/auth/password-reset", json=body)).status_code == 202
        assert (await second.post("/api/v1/auth/password-reset", json=body)).status_code == 429


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/verify-email",
        "/api/v1/auth/magic-link/consume",
        "/api/v1/me/email-change/confirm",
        "/api/v1/invites/preview",
    ],
)
async def test_token_exchanges_are_limited_per_client_ip(tight_app: FastAPI, path: str) -> None:
    async with client_of(tight_app) as client:
        assert await statuses(client, path, [{"token": "guess"}] * 3) == [400, 400, 429]


async def test_reset_confirmation_is_limited_per_client_ip(tight_app: FastAPI) -> None:
    body = {"token": "guess", "new_password": "a long enough passphrase"}
    async with client_of(tight_app) as client:
        codes = await statuses(client, "/api/v1/auth/password-reset/confirm", [body] * 3)
        assert codes == [400, 400, 429]


async def test_invite_acceptance_is_limited_per_client_ip(tight_app: FastAPI) -> None:
    async with client_of(tight_app) as client:
        codes = await statuses(client, "/api/v1/invites/accept", [{"token": "guess"}] * 3)
        assert codes == [400, 400, 429]
