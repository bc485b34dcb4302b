"""C02: a magic link arrives by mail, is exchanged by POST for a session, once, for 10 minutes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from httpx import AsyncClient

from app.core.clock import clock
from tests.support.accounts import Member, mailed_token, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C02")

EMAIL = "grace@example.org"


async def request_link(client: AsyncClient, sink: SmtpSink) -> str:
    response = await client.post("/api/v1/auth/magic-link", json={"email": EMAIL})
    assert response.status_code == 202
    return await mailed_token(sink, EMAIL, "magic-link")


@pytest.fixture
async def member(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> Member:
    return await verified_member(new_client(), smtp_sink, EMAIL)


async def test_a_mailed_link_exchanged_by_post_gives_a_session(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    token = await request_link(client, smtp_sink)
    response = await client.post("/api/v1/auth/magic-link/consume", json={"token": token})
    assert response.status_code == 200
    assert response.json()["user"]["email"] == EMAIL
    assert (await client.get("/api/v1/me")).json()["email"] == EMAIL


async def test_a_magic_link_works_only_once(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    token = await request_link(client, smtp_sink)
    assert (
        await client.post("/api/v1/auth/magic-link/consume", json={"token": token})
    ).status_code == 200
    again = await client.post("/api/v1/auth/magic-link/consume", json={"token": token})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"


async def test_a_magic_link_expires_after_ten_minutes(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    token = await request_link(client, smtp_sink)
    clock.advance(timedelta(minutes=10, seconds=1))
    response = await client.post("/api/v1/auth/magic-link/consume", json={"token": token})
    assert response.status_code == 400


async def test_a_magic_link_still_works_just_before_ten_minutes(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    token = await request_link(client, smtp_sink)
    clock.advance(timedelta(minutes=9, seconds=50))
    response = await client.post("/api/v1/auth/magic-link/consume", json={"token": token})
    assert response.status_code == 200


async def test_a_get_of_the_link_does_not_burn_it(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    """Mail scanners prefetch links: no GET anywhere consumes the token."""
    token = await request_link(client, smtp_sink)
    assert (await client.get(f"/magic-link#token={token}")).status_code == 200  # the page
    prefetch = await client.get("/api/v1/auth/magic-link/consume", params={"token": token})
    assert prefetch.status_code == 405
    response = await client.post("/api/v1/auth/magic-link/consume", json={"token": token})
    assert response.status_code == 200


async def test_a_token_for_another_purpose_is_not_a_magic_link(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await client.post(
        "/api/v1/auth/signup",
        json={"email": EMAIL, "password": "a long enough passphrase", "display_name": "G"},
    )
    verify_token = await mailed_token(smtp_sink, EMAIL, "verify-email")
    response = await client.post("/api/v1/auth/magic-link/consume", json={"token": verify_token})
    assert response.status_code == 400


async def test_a_newer_magic_link_voids_the_older_one(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    first = await request_link(client, smtp_sink)
    smtp_sink.clear()
    second = await request_link(client, smtp_sink)
    assert first != second
    old = await client.post("/api/v1/auth/magic-link/consume", json={"token": first})
    assert old.status_code == 400
    new = await client.post("/api/v1/auth/magic-link/consume", json={"token": second})
    assert new.status_code == 200
