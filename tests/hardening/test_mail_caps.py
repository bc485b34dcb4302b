"""Issue 10: no flow that mails an address can be used to flood that address.

Each flow that mails an address the requester names shares one per-recipient cooldown
(`mail_recipient_cooldown`, default 1 a minute) and a daily cap; invites and email
changes are capped per user and per org as well. Refusals are 429 with Retry-After.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import func, select

from app.mail.models import OutboxMessage
from app.main import create_app
from tests.conftest import PUBLIC_URL, make_settings
from tests.support.accounts import (
    DEFAULT_PASSWORD,
    log_in,
    mailed_token,
    sign_up,
    verified_member,
)
from tests.support.orgs import create_org, invite
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C14")

VICTIM = "victim@example.org"
HOUR = 3600
DAY = 24 * HOUR
# Per-user and per-org caps made small enough to reach; the cooldown out of the way.
TIGHT_CAPS = {
    "mail_recipient_cooldown": "1000/minute",
    "email_change_user": "2/hour",
    "invite_create_user": "2/hour",
    "invite_create_org": "3/day",
    "verification_resend_account": "2/hour",
}


async def started(application: FastAPI) -> AsyncIterator[FastAPI]:
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def default_app(
    database_url: str, smtp_sink: SmtpSink, app: FastAPI
) -> AsyncIterator[FastAPI]:
    """The rate-limit table exactly as shipped."""
    settings = make_settings(database_url, smtp_sink.port, rate_limits={})
    async for application in started(create_app(settings)):
        yield application


@pytest.fixture
async def tight_app(database_url: str, smtp_sink: SmtpSink, app: FastAPI) -> AsyncIterator[FastAPI]:
    settings = make_settings(database_url, smtp_sink.port, rate_limits=TIGHT_CAPS)
    async for application in started(create_app(settings)):
        yield application


@pytest.fixture
async def clients() -> AsyncIterator[Callable[[FastAPI, str], AsyncClient]]:
    """Clients of a given app, each from its own address (so IP limits stay out of it)."""
    made: list[AsyncClient] = []

    def client_of(application: FastAPI, ip: str) -> AsyncClient:
        transport = ASGITransport(app=application, client=(ip, 4000))
        made.append(AsyncClient(transport=transport, base_url=PUBLIC_URL))
        return made[-1]

    yield client_of
    for client in made:
        await client.aclose()


def assert_refused_with_retry_after(response: Response, within_seconds: int = 60) -> None:
    """429 with a Retry-After no later than the window of the limit that refused."""
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= within_seconds


async def owner_with_org(client: AsyncClient, sink: SmtpSink, email: str) -> str:
    await verified_member(client, sink, email)
    return await create_org(client)


async def invite_status(client: AsyncClient, org_id: str, email: str) -> Response:
    return await client.post(
        f"/api/v1/orgs/{org_id}/invites", json={"email": email, "role": "member"}
    )


async def email_change(client: AsyncClient, new_email: str) -> Response:
    return await client.post(
        "/api/v1/me/email-change",
        json={"new_email": new_email, "current_password": DEFAULT_PASSWORD},
    )


async def verification_mails(application: FastAPI, address: str) -> int:
    async with application.state.database.sessionmaker() as db:
        count = await db.scalar(
            select(func.count()).where(
                OutboxMessage.to_address == address, OutboxMessage.template == "verify_email"
            )
        )
    return int(count or 0)


# -- the per-recipient cooldown -----------------------------------------------------------


async def test_a_second_reset_mail_to_one_account_within_a_minute_is_refused(
    default_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient], smtp_sink: SmtpSink
) -> None:
    await verified_member(clients(default_app, "198.51.100.1"), smtp_sink, VICTIM)
    body = {"email": VICTIM}
    first = await clients(default_app, "198.51.100.2").post(
        "/api/v1/auth/password-reset", json=body
    )
    assert first.status_code == 429  # the verification mail went out moments ago
    assert_refused_with_retry_after(first)


async def test_the_cooldown_answers_alike_for_an_address_without_an_account(
    default_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient]
) -> None:
    body = {"email": "nobody@example.org"}
    first = await clients(default_app, "198.51.100.1").post(
        "/api/v1/auth/password-reset", json=body
    )
    second = await clients(default_app, "198.51.100.2").post(
        "/api/v1/auth/password-reset", json=body
    )
    assert first.status_code == 202
    assert_refused_with_retry_after(second)


async def test_the_cooldown_is_shared_by_magic_links_and_resets(
    default_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient]
) -> None:
    body = {"email": "shared@example.org"}
    link = await clients(default_app, "198.51.100.1").post("/api/v1/auth/magic-link", json=body)
    reset = await clients(default_app, "198.51.100.2").post(
        "/api/v1/auth/password-reset", json=body
    )
    assert link.status_code == 202
    assert_refused_with_retry_after(reset)


async def test_a_signup_for_an_address_just_mailed_is_refused(
    default_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient]
) -> None:
    body = {"email": "fresh@example.org"}
    link = await clients(default_app, "198.51.100.1").post("/api/v1/auth/magic-link", json=body)
    signup = await sign_up(clients(default_app, "198.51.100.2"), "fresh@example.org")
    assert link.status_code == 202
    assert_refused_with_retry_after(signup)


async def test_the_cooldown_of_one_address_does_not_hold_up_another(
    default_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient]
) -> None:
    client = clients(default_app, "198.51.100.1")
    first = await client.post("/api/v1/auth/password-reset", json={"email": "a@example.org"})
    other = await client.post("/api/v1/auth/password-reset", json={"email": "b@example.org"})
    assert (first.status_code, other.status_code) == (202, 202)


async def test_re_creating_an_invite_for_one_address_is_refused_within_the_cooldown(
    default_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient], smtp_sink: SmtpSink
) -> None:
    admin = clients(default_app, "198.51.100.1")
    org_id = await owner_with_org(admin, smtp_sink, "owner@example.org")
    assert (await invite_status(admin, org_id, VICTIM)).status_code == 201
    assert_refused_with_retry_after(await invite_status(admin, org_id, VICTIM))


async def test_email_change_requests_naming_one_address_are_refused_within_the_cooldown(
    default_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient], smtp_sink: SmtpSink
) -> None:
    first_asker = clients(default_app, "198.51.100.1")
    second_asker = clients(default_app, "198.51.100.2")
    await verified_member(first_asker, smtp_sink, "first@example.org")
    await verified_member(second_asker, smtp_sink, "second@example.org")
    assert (await email_change(first_asker, VICTIM)).status_code == 202
    assert_refused_with_retry_after(await email_change(second_asker, VICTIM))


# -- caps on who asks ---------------------------------------------------------------------


async def test_email_change_requests_are_capped_per_user(
    tight_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient], smtp_sink: SmtpSink
) -> None:
    asker = clients(tight_app, "198.51.100.1")
    await verified_member(asker, smtp_sink, "asker@example.org")
    codes = [(await email_change(asker, f"new{i}@example.org")).status_code for i in range(2)]
    assert codes == [202, 202]
    assert_refused_with_retry_after(await email_change(asker, "new2@example.org"), HOUR)


async def test_invites_are_capped_per_inviting_user(
    tight_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient], smtp_sink: SmtpSink
) -> None:
    admin = clients(tight_app, "198.51.100.1")
    org_id = await owner_with_org(admin, smtp_sink, "owner@example.org")
    codes = [
        (await invite_status(admin, org_id, f"i{i}@example.org")).status_code for i in range(2)
    ]
    assert codes == [201, 201]
    assert_refused_with_retry_after(await invite_status(admin, org_id, "i2@example.org"), HOUR)


async def test_invites_are_capped_per_org_whoever_sends_them(
    tight_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient], smtp_sink: SmtpSink
) -> None:
    owner = clients(tight_app, "198.51.100.1")
    org_id = await owner_with_org(owner, smtp_sink, "owner@example.org")
    admin = clients(tight_app, "198.51.100.2")
    await verified_member(admin, smtp_sink, "admin@example.org")
    await invite(owner, org_id, "admin@example.org", role="admin")
    token = await mailed_token(smtp_sink, "admin@example.org", "invite")
    accepted = await admin.post("/api/v1/invites/accept", json={"token": token})
    assert accepted.status_code == 200, accepted.text
    assert (await invite_status(owner, org_id, "m1@example.org")).status_code == 201
    assert (await invite_status(admin, org_id, "m2@example.org")).status_code == 201
    assert_refused_with_retry_after(await invite_status(admin, org_id, "m3@example.org"), DAY)


# -- verification re-sends ----------------------------------------------------------------


async def test_a_login_to_an_unverified_account_re_sends_its_link_within_the_cap(
    tight_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient]
) -> None:
    client = clients(tight_app, "198.51.100.1")
    assert (await sign_up(client, VICTIM)).status_code == 202
    assert (await log_in(client, VICTIM)).status_code == 403
    assert await verification_mails(tight_app, VICTIM) == 2  # the signup's and one more


async def test_logins_to_an_unverified_account_stop_re_sending_past_the_cap(
    tight_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient]
) -> None:
    client = clients(tight_app, "198.51.100.1")
    assert (await sign_up(client, VICTIM)).status_code == 202
    statuses = [(await log_in(client, VICTIM)).status_code for _ in range(5)]
    assert statuses == [403] * 5
    assert await verification_mails(tight_app, VICTIM) == 2


async def test_a_login_right_after_signup_does_not_re_send_the_link(
    default_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient]
) -> None:
    client = clients(default_app, "198.51.100.1")
    assert (await sign_up(client, VICTIM)).status_code == 202
    assert (await log_in(client, VICTIM)).status_code == 403
    assert await verification_mails(default_app, VICTIM) == 1


async def test_the_403_says_a_new_link_was_sent_only_when_one_was(
    tight_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient]
) -> None:
    client = clients(tight_app, "198.51.100.1")
    assert (await sign_up(client, VICTIM)).status_code == 202
    first = await log_in(client, VICTIM)
    second = await log_in(client, VICTIM)
    assert "we have sent you a new link" in first.json()["error"]["message"]
    assert "sent a few minutes ago" in second.json()["error"]["message"]


async def test_the_first_verification_link_still_works_after_a_second_is_sent(
    tight_app: FastAPI, clients: Callable[[FastAPI, str], AsyncClient], smtp_sink: SmtpSink
) -> None:
    client = clients(tight_app, "198.51.100.1")
    assert (await sign_up(client, VICTIM)).status_code == 202
    first_link = await mailed_token(smtp_sink, VICTIM, "verify-email")
    assert (await log_in(client, VICTIM)).status_code == 403  # mails a second link
    verified = await client.post("/api/v1/auth/verify-email", json={"token": first_link})
    assert verified.status_code == 200
    assert (await log_in(client, VICTIM)).status_code == 200
