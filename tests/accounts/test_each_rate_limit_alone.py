"""C14: the magic-link and reset limits per client IP and the signup limit per account each
refuse on their own, with 429 and Retry-After, through the API and the page forms alike.

Only the limit under test can refuse here: the per-IP tests name a new address on every
request (no per-account or per-recipient limit is reached), the per-account tests come
from a new client IP every time (no per-IP limit is reached), and the per-recipient mail
cooldown is out of reach (issue 12).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from app.core.ratelimit_defaults import DEFAULT_RATE_LIMITS
from app.main import create_app
from tests.conftest import PUBLIC_URL, make_settings
from tests.pages.forms import submit
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C14")

TIGHT = {
    "signup_ip": "100/minute",
    "signup_account": "1/minute",
    "magic_link_ip": "2/minute",
    "magic_link_account": "100/minute",
    "password_reset_ip": "2/minute",
    "password_reset_account": "100/minute",
}
OUT_OF_REACH = {"mail_recipient_cooldown": "1000/minute"}  # where that limit exists


def tight_table() -> dict[str, str]:
    known = {name: value for name, value in OUT_OF_REACH.items() if name in DEFAULT_RATE_LIMITS}
    return {**TIGHT, **known}


@pytest.fixture
async def tight_app(database_url: str, smtp_sink: SmtpSink, app: FastAPI) -> AsyncIterator[FastAPI]:
    settings = make_settings(database_url, smtp_sink.port, rate_limits=tight_table())
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def client_of(application: FastAPI, ip: str) -> AsyncClient:
    return AsyncClient(
        transport=ASGITransport(app=application, client=(ip, 4000)), base_url=PUBLIC_URL
    )


def assert_limited(response: Response) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1


# -- per client IP: a new address on every request ---------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/magic-link", "/api/v1/auth/password-reset"])
async def test_link_requests_through_the_api_are_limited_per_client_ip(
    tight_app: FastAPI, path: str
) -> None:
    async with client_of(tight_app, "198.51.100.7") as client:
        for index in range(2):
            response = await client.post(path, json={"email": f"u{index}@example.org"})
            assert response.status_code == 202, response.text
        assert_limited(await client.post(path, json={"email": "u2@example.org"}))


@pytest.mark.parametrize(
    ("page", "action"),
    [("/login", "/login/email-link"), ("/reset-password", "/reset-password/request")],
)
async def test_link_requests_through_the_pages_are_limited_per_client_ip(
    tight_app: FastAPI, page: str, action: str
) -> None:
    async with client_of(tight_app, "198.51.100.7") as client:
        for index in range(2):
            response = await submit(client, page, action, {"email": f"u{index}@example.org"})
            assert response.status_code == 200, response.text
        assert_limited(await submit(client, page, action, {"email": "u2@example.org"}))


# -- per account: a new client IP on every request -----------------------------------------

SIGNUP = {"email": "newcomer@example.org", "password": "good enough pass", "display_name": "N"}


async def test_signups_of_one_address_through_the_api_are_limited_per_account(
    tight_app: FastAPI,
) -> None:
    async with client_of(tight_app, "198.51.100.7") as first:
        assert (await first.post("/api/v1/auth/signup", json=SIGNUP)).status_code == 202
    async with client_of(tight_app, "198.51.100.8") as second:
        assert_limited(await second.post("/api/v1/auth/signup", json=SIGNUP))


async def test_signups_of_one_address_through_the_page_are_limited_per_account(
    tight_app: FastAPI,
) -> None:
    async with client_of(tight_app, "198.51.100.7") as first:
        assert (await submit(first, "/signup", "/signup", SIGNUP)).status_code == 200
    async with client_of(tight_app, "198.51.100.8") as second:
        assert_limited(await submit(second, "/signup", "/signup", SIGNUP))
