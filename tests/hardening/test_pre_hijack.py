"""Issue 10: someone who signs up with another person's address cannot keep the account.

The attack: the attacker signs up `victim@` with a password of their own; the victim,
curious, clicks the verification link. The link confirms the address but, opened
outside the browser that signed up, discards the password chosen there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from app.main import create_app
from tests.conftest import PUBLIC_URL, make_settings
from tests.pages.forms import submit
from tests.support.accounts import log_in, mailed_token, sign_up
from tests.support.smtp_sink import SmtpSink

pytestmark = [pytest.mark.checklist("C01"), pytest.mark.checklist("C03")]

VICTIM = "victim@example.org"
ATTACKERS_PASSWORD = "the attacker knows this one"
VICTIMS_PASSWORD = "the victim chose this one"


async def verify(client: AsyncClient, token: str) -> None:
    response = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert response.status_code == 200, response.text


async def attacker_signs_up_the_victim(attacker: AsyncClient, sink: SmtpSink) -> str:
    assert (await sign_up(attacker, VICTIM, ATTACKERS_PASSWORD)).status_code == 202
    return await mailed_token(sink, VICTIM, "verify-email")


async def test_a_link_verified_in_another_browser_locks_out_the_signers_password(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    attacker, victim = new_client(), new_client()
    token = await attacker_signs_up_the_victim(attacker, smtp_sink)
    await verify(victim, token)
    assert (await log_in(attacker, VICTIM, ATTACKERS_PASSWORD)).status_code == 401


async def test_a_link_verified_in_the_signup_browser_keeps_its_password(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    member = new_client()
    assert (await sign_up(member, VICTIM, VICTIMS_PASSWORD)).status_code == 202
    await verify(member, await mailed_token(smtp_sink, VICTIM, "verify-email"))
    assert (await log_in(member, VICTIM, VICTIMS_PASSWORD)).status_code == 200


async def test_the_mailbox_owner_sets_a_password_by_reset_after_verifying_elsewhere(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    attacker, victim = new_client(), new_client()
    await verify(victim, await attacker_signs_up_the_victim(attacker, smtp_sink))
    await victim.post("/api/v1/auth/password-reset", json={"email": VICTIM})
    reset = await mailed_token(smtp_sink, VICTIM, "reset-password")
    confirmed = await victim.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": reset, "new_password": VICTIMS_PASSWORD},
    )
    assert confirmed.status_code == 204
    assert (await log_in(victim, VICTIM, VICTIMS_PASSWORD)).status_code == 200


@pytest.fixture
async def resending_app(
    database_url: str, smtp_sink: SmtpSink, app: FastAPI
) -> AsyncIterator[FastAPI]:
    """Every login to an unverified account re-sends its link (no cooldown in the way)."""
    limits = {
        "mail_recipient_cooldown": "1000/minute",
        "verification_resend_account": "1000/minute",
    }
    application = create_app(make_settings(database_url, smtp_sink.port, rate_limits=limits))
    async with application.router.lifespan_context(application):
        yield application


def client_of(application: FastAPI) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=application), base_url=PUBLIC_URL)


async def resent_link(client: AsyncClient, sink: SmtpSink, password: str) -> str:
    await mailed_token(sink, VICTIM, "verify-email")  # the signup's, voided by the re-send
    sink.clear()
    assert (await log_in(client, VICTIM, password)).status_code == 403
    return await mailed_token(sink, VICTIM, "verify-email")


async def test_a_link_re_sent_to_the_signup_browser_keeps_its_password(
    resending_app: FastAPI, smtp_sink: SmtpSink
) -> None:
    async with client_of(resending_app) as member:
        assert (await sign_up(member, VICTIM, VICTIMS_PASSWORD)).status_code == 202
        await verify(member, await resent_link(member, smtp_sink, VICTIMS_PASSWORD))
        assert (await log_in(member, VICTIM, VICTIMS_PASSWORD)).status_code == 200


async def test_a_link_re_sent_by_the_attackers_login_does_not_keep_the_attackers_password(
    resending_app: FastAPI, smtp_sink: SmtpSink
) -> None:
    async with client_of(resending_app) as attacker, client_of(resending_app) as victim:
        assert (await sign_up(attacker, VICTIM, ATTACKERS_PASSWORD)).status_code == 202
        await verify(victim, await resent_link(attacker, smtp_sink, ATTACKERS_PASSWORD))
        assert (await log_in(attacker, VICTIM, ATTACKERS_PASSWORD)).status_code == 401


async def test_the_signup_cookie_is_http_only_and_the_same_for_a_taken_address(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    first, second = new_client(), new_client()
    fresh = await sign_up(first, VICTIM, VICTIMS_PASSWORD)
    taken = await sign_up(second, VICTIM, ATTACKERS_PASSWORD)
    for response in (fresh, taken):
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("signup_browser=")
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie


async def test_the_verify_page_in_another_browser_sends_the_owner_to_choose_a_password(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    attacker, victim = new_client(), new_client()
    token = await attacker_signs_up_the_victim(attacker, smtp_sink)
    page = await submit(victim, "/verify-email", "/verify-email", {"token": token})
    assert page.status_code == 200
    assert "choose your password again" in page.text
    assert 'href="/reset-password"' in page.text
