"""Issue 10: a pending email change (or any mailed token) must not outlive recovery.

The attack: someone with a session and the password asks to move the account to their
own address; the owner resets her password (or changes it, or logs out everywhere);
the confirmation link must then be dead, so the address stays hers.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from httpx import AsyncClient

from tests.support.accounts import Member, log_in, mailed_token, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = [pytest.mark.checklist("C03"), pytest.mark.checklist("C06")]

OWNER = "owner@example.org"
ATTACKER = "attacker@example.net"
NEW_PASSWORD = "the owner's brand new passphrase"


@pytest.fixture
async def owner(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> Member:
    return await verified_member(new_client(), smtp_sink, OWNER)


async def attacker_requests_change(attacker: AsyncClient, owner: Member, sink: SmtpSink) -> str:
    assert (await log_in(attacker, OWNER, owner.password)).status_code == 200
    response = await attacker.post(
        "/api/v1/me/email-change",
        json={"new_email": ATTACKER, "current_password": owner.password},
    )
    assert response.status_code == 202
    return await mailed_token(sink, ATTACKER, "confirm-email")


async def confirm_fails_and_address_stays(anonymous: AsyncClient, token: str) -> None:
    confirmed = await anonymous.post("/api/v1/me/email-change/confirm", json={"token": token})
    assert confirmed.status_code == 400
    assert (await log_in(anonymous, OWNER, NEW_PASSWORD)).status_code in (200, 401)
    # The attacker cannot reset through their address: it is not the account's.
    assert (await log_in(anonymous, ATTACKER, NEW_PASSWORD)).status_code == 401


async def test_a_password_reset_voids_a_pending_email_change(
    owner: Member, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    token = await attacker_requests_change(new_client(), owner, smtp_sink)
    victim = new_client()
    await victim.post("/api/v1/auth/password-reset", json={"email": OWNER})
    reset = await mailed_token(smtp_sink, OWNER, "reset-password")
    confirmed = await victim.post(
        "/api/v1/auth/password-reset/confirm", json={"token": reset, "new_password": NEW_PASSWORD}
    )
    assert confirmed.status_code == 204
    await confirm_fails_and_address_stays(new_client(), token)
    me = new_client()
    assert (await log_in(me, OWNER, NEW_PASSWORD)).status_code == 200
    assert (await me.get("/api/v1/me")).json()["email"] == OWNER


async def test_a_password_change_voids_a_pending_email_change(
    owner: Member, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    token = await attacker_requests_change(new_client(), owner, smtp_sink)
    victim = new_client()
    assert (await log_in(victim, OWNER, owner.password)).status_code == 200
    changed = await victim.post(
        "/api/v1/auth/password-change",
        json={"current_password": owner.password, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204
    await confirm_fails_and_address_stays(new_client(), token)
    assert (await victim.get("/api/v1/me")).json()["email"] == OWNER


async def test_logging_out_everywhere_voids_a_pending_email_change(
    owner: Member, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    token = await attacker_requests_change(new_client(), owner, smtp_sink)
    victim = new_client()
    assert (await log_in(victim, OWNER, owner.password)).status_code == 200
    assert (await victim.post("/api/v1/auth/logout-all")).status_code == 204
    await confirm_fails_and_address_stays(new_client(), token)


async def test_logging_out_everywhere_voids_an_outstanding_reset_link(
    owner: Member, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    anyone = new_client()
    await anyone.post("/api/v1/auth/password-reset", json={"email": OWNER})
    reset = await mailed_token(smtp_sink, OWNER, "reset-password")
    victim = new_client()
    assert (await log_in(victim, OWNER, owner.password)).status_code == 200
    assert (await victim.post("/api/v1/auth/logout-all")).status_code == 204
    used = await anyone.post(
        "/api/v1/auth/password-reset/confirm", json={"token": reset, "new_password": NEW_PASSWORD}
    )
    assert used.status_code == 400


async def test_a_password_change_voids_an_outstanding_magic_link(
    owner: Member, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    anyone = new_client()
    await anyone.post("/api/v1/auth/magic-link", json={"email": OWNER})
    link = await mailed_token(smtp_sink, OWNER, "magic-link")
    victim = new_client()
    assert (await log_in(victim, OWNER, owner.password)).status_code == 200
    changed = await victim.post(
        "/api/v1/auth/password-change",
        json={"current_password": owner.password, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204
    used = await anyone.post("/api/v1/auth/magic-link/consume", json={"token": link})
    assert used.status_code == 400
