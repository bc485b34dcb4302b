"""C03: request, receive, set a new password; single use, 30 minutes, every session ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from httpx import AsyncClient

from app.core.clock import clock
from tests.support.accounts import Member, log_in, mailed_token, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C03")

EMAIL = "linus@example.org"
NEW_PASSWORD = "an entirely new passphrase"


async def request_reset(client: AsyncClient, sink: SmtpSink) -> str:
    response = await client.post("/api/v1/auth/password-reset", json={"email": EMAIL})
    assert response.status_code == 202
    return await mailed_token(sink, EMAIL, "reset-password")


async def confirm(client: AsyncClient, token: str, password: str = NEW_PASSWORD) -> int:
    response = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": password}
    )
    return response.status_code


@pytest.fixture
async def member(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> Member:
    return await verified_member(new_client(), smtp_sink, EMAIL)


async def test_a_reset_sets_the_new_password_and_the_old_one_stops_working(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    token = await request_reset(client, smtp_sink)
    assert await confirm(client, token) == 204
    assert (await log_in(client, EMAIL, member.password)).status_code == 401
    assert (await log_in(client, EMAIL, NEW_PASSWORD)).status_code == 200


async def test_a_reset_ends_every_session_of_the_account(
    new_client: Callable[..., AsyncClient], client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    laptop = new_client()
    phone = new_client()
    await verified_member(laptop, smtp_sink, EMAIL)
    await log_in(phone, EMAIL)
    token = await request_reset(client, smtp_sink)
    assert await confirm(client, token) == 204
    assert (await laptop.get("/api/v1/me")).status_code == 401
    assert (await phone.get("/api/v1/me")).status_code == 401


async def test_a_reset_token_works_only_once(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    token = await request_reset(client, smtp_sink)
    assert await confirm(client, token) == 204
    assert await confirm(client, token, "yet another fine passphrase") == 400


async def test_a_reset_token_expires_after_thirty_minutes(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    token = await request_reset(client, smtp_sink)
    clock.advance(timedelta(minutes=30, seconds=1))
    assert await confirm(client, token) == 400


async def test_a_newer_reset_voids_the_older_one(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    first = await request_reset(client, smtp_sink)
    smtp_sink.clear()
    second = await request_reset(client, smtp_sink)
    assert await confirm(client, first) == 400
    assert await confirm(client, second) == 204


async def test_a_password_change_voids_a_pending_reset(
    new_client: Callable[..., AsyncClient], client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    browser = new_client()
    member = await verified_member(browser, smtp_sink, EMAIL)
    token = await request_reset(client, smtp_sink)
    changed = await browser.post(
        "/api/v1/auth/password-change",
        json={"current_password": member.password, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204
    assert await confirm(client, token, "a third distinct passphrase") == 400


@pytest.mark.checklist("C06")
async def test_a_weak_new_password_is_refused_and_keeps_the_token(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    token = await request_reset(client, smtp_sink)
    assert await confirm(client, token, "password1") == 422
    assert await confirm(client, token) == 204


async def test_the_reset_link_is_a_fragment_on_the_public_url(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await client.post("/api/v1/auth/password-reset", json={"email": EMAIL})
    mail = await smtp_sink.wait_for(lambda m: "/reset-password#token=" in m.text())
    assert "http://testserver/reset-password#token=" in mail.text()
