"""Email change: needs the current password, takes effect only once the new address confirms."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from httpx import AsyncClient

from tests.support.accounts import Member, log_in, mailed_token, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C05")

OLD = "old.address@example.org"
NEW = "new.address@example.org"


@pytest.fixture
async def member(client: AsyncClient, smtp_sink: SmtpSink) -> Member:
    return await verified_member(client, smtp_sink, OLD)


async def request_change(client: AsyncClient, password: str, new: str = NEW) -> int:
    response = await client.post(
        "/api/v1/me/email-change", json={"new_email": new, "current_password": password}
    )
    return response.status_code


async def test_the_address_changes_only_once_the_new_one_confirms(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    assert await request_change(client, member.password) == 202
    assert (await client.get("/api/v1/me")).json()["email"] == OLD
    token = await mailed_token(smtp_sink, NEW, "confirm-email")
    confirmed = await client.post("/api/v1/me/email-change/confirm", json={"token": token})
    assert confirmed.status_code == 200
    assert (await client.get("/api/v1/me")).json()["email"] == NEW


async def test_the_old_address_is_told(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    smtp_sink.clear()
    await request_change(client, member.password)
    notice = await smtp_sink.wait_for_mail_to(OLD)
    assert NEW in notice.text()
    assert "#token=" not in notice.text()


async def test_a_wrong_current_password_changes_nothing(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    smtp_sink.clear()
    assert await request_change(client, "not my password") == 403
    assert smtp_sink.to(NEW) == []


async def test_confirming_ends_the_other_sessions(
    member: Member, client: AsyncClient, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    phone = new_client()
    await log_in(phone, OLD)
    await request_change(client, member.password)
    token = await mailed_token(smtp_sink, NEW, "confirm-email")
    await client.post("/api/v1/me/email-change/confirm", json={"token": token})
    assert (await phone.get("/api/v1/me")).status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 200
    assert (await log_in(new_client(), NEW)).status_code == 200


async def test_a_taken_address_answers_the_same_and_mails_it_nothing(
    member: Member, client: AsyncClient, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    await verified_member(new_client(), smtp_sink, NEW)
    smtp_sink.clear()
    assert await request_change(client, member.password) == 202
    await smtp_sink.wait_for_mail_to(OLD)
    assert not any("confirm-email#token=" in mail.text() for mail in smtp_sink.to(NEW))


async def test_a_confirmation_link_works_once(
    member: Member, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await request_change(client, member.password)
    token = await mailed_token(smtp_sink, NEW, "confirm-email")
    assert (
        await client.post("/api/v1/me/email-change/confirm", json={"token": token})
    ).status_code == 200
    again = await client.post("/api/v1/me/email-change/confirm", json={"token": token})
    assert again.status_code == 400
