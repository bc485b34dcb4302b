"""Each limit a page form declares refuses on its own, through HTTP: after the limit the
page answers 429 with Retry-After, draws its form again with the member's input kept
(never a password), and nothing was done.

Every test runs on an app of its own whose table lowers the one limit under test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from app.core.ratelimit_defaults import merged_rate_limits
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import PUBLIC_URL
from tests.pages.forms import submit
from tests.support.accounts import mailed_token
from tests.support.orgs import invite
from tests.support.smtp_sink import SmtpSink
from tests.support.world import PASSWORD, World

Limited = Callable[[dict[str, str]], Awaitable[FastAPI]]
OUT_OF_REACH = {"mail_recipient_cooldown": "1000/minute"}
WRONG = "not the password at all"


@pytest.fixture
async def limited(settings: Settings, app: FastAPI) -> AsyncIterator[Limited]:
    """Makes an app like the test app (its database, its keys) whose table lowers the given
    limits."""
    async with AsyncExitStack() as stack:

        async def make(table: dict[str, str]) -> FastAPI:
            limits = merged_rate_limits({**OUT_OF_REACH, **table})
            application = create_app(settings.model_copy(update={"rate_limits": limits}))
            await stack.enter_async_context(application.router.lifespan_context(application))
            return application

        yield make


def visitor(application: FastAPI, ip: str = "198.51.100.7") -> AsyncClient:
    return AsyncClient(
        transport=ASGITransport(app=application, client=(ip, 4000)), base_url=PUBLIC_URL
    )


def assert_form_again_limited(response: Response, kept: str, form_marker: str) -> None:
    """429 with Retry-After, the form drawn again (not the error page), `kept` in it."""
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert "Too many tries" in response.text
    assert form_marker in response.text
    assert kept in response.text


def session_set(response: Response, settings: Settings) -> bool:
    return settings.session_cookie_name in response.headers.get("set-cookie", "")


# -- the login page ------------------------------------------------------------------------


@pytest.mark.checklist("C14")
async def test_the_login_page_is_limited_per_client_ip_and_keeps_the_address(
    limited: Limited, settings: Settings
) -> None:
    application = await limited({"login_ip": "2/minute"})
    async with visitor(application) as client:
        for index in range(2):
            fields = {"email": f"nobody{index}@example.org", "password": WRONG}
            assert (await submit(client, "/login", "/login", fields)).status_code != 429
        fields = {"email": "nobody2@example.org", "password": WRONG, "next": "/settings"}
        answer = await submit(client, "/login", "/login", fields)
    assert_form_again_limited(answer, 'value="nobody2@example.org"', 'name="password"')
    assert 'value="/settings"' in answer.text
    assert WRONG not in answer.text
    assert not session_set(answer, settings)


@pytest.mark.checklist("C14")
async def test_wrong_passwords_on_the_login_page_throttle_the_right_one(
    limited: Limited, world: World, settings: Settings
) -> None:
    application = await limited({"login_failures_account_ip": "2/15minutes"})
    email = world.people["member"].email
    async with visitor(application) as client:
        for _ in range(2):
            wrong = await submit(client, "/login", "/login", {"email": email, "password": WRONG})
            assert wrong.status_code == 401, wrong.text
        answer = await submit(client, "/login", "/login", {"email": email, "password": PASSWORD})
    assert_form_again_limited(answer, f'value="{email}"', 'name="password"')
    assert PASSWORD not in answer.text
    assert not session_set(answer, settings)


@pytest.mark.checklist("C14")
async def test_the_login_page_and_the_api_count_one_account_however_it_is_spelled(
    limited: Limited, world: World
) -> None:
    application = await limited({"login_failures_account_ip": "2/15minutes"})
    email = world.people["member"].email
    async with visitor(application) as client:
        api = await client.post("/api/v1/auth/login", json={"email": email, "password": WRONG})
        assert api.status_code == 401, api.text
        shouted = {"email": email.upper(), "password": WRONG}
        assert (await submit(client, "/login", "/login", shouted)).status_code == 401
        answer = await submit(client, "/login", "/login", {"email": email, "password": PASSWORD})
    assert answer.status_code == 429, answer.text


# -- the mailed-link pages and the invite --------------------------------------------------

TOKEN_PAGES = [
    ("/verify-email", "/verify-email", {}),
    ("/magic-link", "/magic-link", {}),
    ("/reset-password", "/reset-password", {"new_password": "a brand new passphrase"}),
    ("/confirm-email", "/confirm-email", {}),
    ("/unsubscribe", "/unsubscribe", {}),
]


@pytest.mark.checklist("C14")
@pytest.mark.parametrize(("page", "action", "extra"), TOKEN_PAGES)
async def test_each_token_exchange_page_is_limited_per_client_ip(
    limited: Limited, page: str, action: str, extra: dict[str, str]
) -> None:
    application = await limited({"token_exchange_ip": "2/minute"})
    async with visitor(application) as client:
        for index in range(2):
            fields = {"token": f"not-a-token-{index}", **extra}
            assert (await submit(client, page, action, fields)).status_code != 429
        answer = await submit(client, page, action, {"token": "not-a-token-2", **extra})
    assert_form_again_limited(answer, 'value="not-a-token-2"', "data-token")
    assert "a brand new passphrase" not in answer.text


@pytest.mark.checklist("C14")
async def test_a_limited_magic_link_page_does_not_spend_the_link(
    limited: Limited, world: World, smtp_sink: SmtpSink, settings: Settings
) -> None:
    application = await limited({"token_exchange_ip": "2/minute"})
    email = world.people["member"].email
    async with visitor(application, "198.51.100.9") as asker:
        assert (await submit(asker, "/login", "/login/email-link", {"email": email})).is_success
    token = await mailed_token(smtp_sink, email, "magic-link")
    async with visitor(application) as client:
        for index in range(2):
            await submit(client, "/magic-link", "/magic-link", {"token": f"bad-{index}"})
        answer = await submit(client, "/magic-link", "/magic-link", {"token": token})
    assert_form_again_limited(answer, f'value="{token}"', "data-token")
    assert not session_set(answer, settings)
    async with visitor(application, "198.51.100.8") as elsewhere:
        used = await submit(elsewhere, "/magic-link", "/magic-link", {"token": token})
    assert used.status_code == 303 and session_set(used, settings)


@pytest.mark.checklist("C14")
async def test_the_invite_page_is_limited_per_client_ip_and_accepts_nothing(
    limited: Limited, world: World, settings: Settings, smtp_sink: SmtpSink
) -> None:
    application = await limited({"invite_accept_ip": "2/minute"})
    async with world.client_for(application, "owner") as owner:
        await invite(owner, world.refs["org_id"], "ivy@example.org")
    token = await mailed_token(smtp_sink, "ivy@example.org", "invite")
    fields = {"token": token, "display_name": "Ivy Invitee", "password": "an invitee passphrase"}
    async with visitor(application) as client:
        for index in range(2):
            bogus = {**fields, "token": f"not-an-invite-{index}"}
            assert (await submit(client, "/invite", "/invite", bogus)).status_code != 429
        answer = await submit(client, "/invite", "/invite", fields)
    assert_form_again_limited(answer, 'value="Ivy Invitee"', 'name="display_name"')
    assert "an invitee passphrase" not in answer.text
    assert not session_set(answer, settings)
    async with visitor(application, "198.51.100.8") as elsewhere:
        accepted = await submit(elsewhere, "/invite", "/invite", fields)
    assert accepted.status_code == 303, accepted.text


# -- the member pages ----------------------------------------------------------------------


@pytest.mark.checklist("C14")
async def test_the_write_page_is_limited_per_member_and_keeps_the_post(
    limited: Limited, world: World
) -> None:
    application = await limited({"post_create_user": "2/minute"})
    space = f"/orgs/{world.refs['org_id']}/spaces/{world.refs['open_space_id']}"
    async with world.client_for(application, "member") as member:
        for index in range(2):
            fields = {"title": f"Post {index}", "body": "Hello", "status": "published"}
            assert (await submit(member, f"{space}/write", f"{space}/write", fields)).is_redirect
        fields = {"title": "One too many", "body": "Kept words", "status": "published"}
        answer = await submit(member, f"{space}/write", f"{space}/write", fields)
        feed = await member.get(space)
    assert_form_again_limited(answer, 'value="One too many"', "Save post")
    assert "Kept words" in answer.text
    assert "Post 1" in feed.text and "One too many" not in feed.text


@pytest.mark.checklist("C14")
async def test_the_message_form_is_limited_per_member_and_keeps_the_message(
    limited: Limited, world: World
) -> None:
    application = await limited({"message_send_user": "2/minute"})
    page = f"/orgs/{world.refs['org_id']}/conversations/{world.refs['conversation_id']}"
    async with world.client_for(application, "member") as member:
        for index in range(2):
            sent = await submit(member, page, f"{page}/messages", {"body": f"Message {index}"})
            assert sent.is_redirect, sent.text
        answer = await submit(member, page, f"{page}/messages", {"body": "One message too many"})
        conversation = await member.get(page)
    assert_form_again_limited(answer, "One message too many</textarea>", "Send message")
    assert "Message 1" in conversation.text
    assert "One message too many" not in conversation.text


# -- the settings page ---------------------------------------------------------------------


async def test_wrong_current_passwords_throttle_the_password_form(
    limited: Limited, world: World
) -> None:
    application = await limited({"login_failures_account_ip": "2/15minutes"})
    new = {"new_password": "a fresh new passphrase"}
    async with world.client_for(application, "member") as member:
        for _ in range(2):
            fields = {"current_password": WRONG, **new}
            wrong = await submit(member, "/settings", "/settings/password", fields)
            assert wrong.status_code == 403, wrong.text
        fields = {"current_password": PASSWORD, **new}
        answer = await submit(member, "/settings", "/settings/password", fields)
    assert_form_again_limited(answer, "Too many tries", 'name="new_password"')
    assert PASSWORD not in answer.text and "a fresh new passphrase" not in answer.text
    async with visitor(application, "198.51.100.8") as elsewhere:
        old = {"email": world.people["member"].email, "password": PASSWORD}
        assert (await elsewhere.post("/api/v1/auth/login", json=old)).status_code == 200


async def test_wrong_current_passwords_throttle_the_email_form(
    limited: Limited, world: World, smtp_sink: SmtpSink
) -> None:
    application = await limited({"login_failures_account_ip": "2/15minutes"})
    async with world.client_for(application, "member") as member:
        for _ in range(2):
            fields = {"new_email": "member.new@example.org", "current_password": WRONG}
            wrong = await submit(member, "/settings", "/settings/email", fields)
            assert wrong.status_code == 403, wrong.text
        fields = {"new_email": "member.new@example.org", "current_password": PASSWORD}
        answer = await submit(member, "/settings", "/settings/email", fields)
    assert_form_again_limited(answer, 'value="member.new@example.org"', 'name="new_email"')
    assert PASSWORD not in answer.text
    assert smtp_sink.to("member.new@example.org") == []
