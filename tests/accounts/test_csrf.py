"""C08: cookie-authenticated state changes need the session's CSRF token and a same-site origin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from httpx import AsyncClient

from tests.support.accounts import Member, log_in, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C08")

EMAIL = "radia@example.org"


@pytest.fixture
async def member(client: AsyncClient, smtp_sink: SmtpSink) -> Member:
    return await verified_member(client, smtp_sink, EMAIL)


async def test_an_unsafe_request_without_the_csrf_header_is_refused(
    member: Member, client: AsyncClient
) -> None:
    del client.headers["X-CSRF-Token"]
    response = await client.patch("/api/v1/me", json={"display_name": "Changed"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert (await client.get("/api/v1/me")).json()["display_name"] == "Member"


async def test_an_unsafe_request_with_a_wrong_csrf_header_is_refused(
    member: Member, client: AsyncClient
) -> None:
    client.headers["X-CSRF-Token"] = "0" * 64
    response = await client.post("/api/v1/auth/logout-all")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


async def test_the_csrf_token_of_another_session_is_refused(
    member: Member,
    client: AsyncClient,
    new_client: Callable[..., AsyncClient],
    smtp_sink: SmtpSink,
) -> None:
    other = await verified_member(new_client(), smtp_sink, "other@example.org")
    client.headers["X-CSRF-Token"] = other.csrf
    response = await client.patch("/api/v1/me", json={"display_name": "Changed"})
    assert response.status_code == 403


async def test_an_unsafe_request_with_the_right_header_passes(
    member: Member, client: AsyncClient
) -> None:
    response = await client.patch("/api/v1/me", json={"display_name": "Changed"})
    assert response.status_code == 200
    assert response.json()["display_name"] == "Changed"


async def test_safe_requests_need_no_csrf_header(member: Member, client: AsyncClient) -> None:
    del client.headers["X-CSRF-Token"]
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_a_cross_site_origin_is_refused_even_with_the_token(
    member: Member, client: AsyncClient
) -> None:
    response = await client.patch(
        "/api/v1/me", json={"display_name": "X"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


async def test_a_cross_site_login_is_refused(client: AsyncClient, smtp_sink: SmtpSink) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": EMAIL, "password": "whatever it is"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


async def test_a_cross_site_fetch_without_origin_is_refused(client: AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/magic-link", json={"email": EMAIL}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403


async def test_the_public_origin_passes(member: Member, client: AsyncClient) -> None:
    response = await client.patch(
        "/api/v1/me", json={"display_name": "Y"}, headers={"Origin": "http://testserver"}
    )
    assert response.status_code == 200


async def test_a_stale_cookie_does_not_block_logging_in_again(
    member: Member, client: AsyncClient
) -> None:
    await client.post("/api/v1/auth/logout")
    client.cookies.set("session", "stale-session-token-value")
    del client.headers["X-CSRF-Token"]
    assert (await log_in(client, EMAIL)).status_code == 200


async def test_one_click_unsubscribe_is_not_refused_for_its_origin(client: AsyncClient) -> None:
    """RFC 8058 POSTs come from mail providers; the signed token in the URL is the proof."""
    response = await client.post(
        "/api/v1/unsubscribe/one-click?token=not-a-real-token",
        content=b"List-Unsubscribe=One-Click",
        headers={"Origin": "https://mail.provider.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] != "csrf_failed"
