"""The settings page through HTTP: profile, password, email change, sessions, and the
member's own payment standing per org, all through the services the API uses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from app.orgs.models import PaymentStatus
from tests.pages.forms import SAME_ORIGIN, submit
from tests.pages.test_billing_pages import priced_org, set_standing
from tests.support.accounts import DEFAULT_PASSWORD, log_in, mailed_token, verified_member
from tests.support.orgs import create_org
from tests.support.smtp_sink import SmtpSink

EMAIL = "settings.member@example.org"
NEW_PASSWORD = "another long enough passphrase"


@pytest.fixture
async def member(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> AsyncClient:
    client = new_client()
    await verified_member(client, smtp_sink, EMAIL, name="Settings Member")
    return client


async def test_the_settings_page_is_not_stored_and_shows_the_members_profile(
    member: AsyncClient,
) -> None:
    page = await member.get("/settings")

    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'value="Settings Member"' in page.text
    assert page.text.count("<h1>") == 1


async def test_a_saved_display_name_and_bio_render_as_text(member: AsyncClient) -> None:
    fields = {"display_name": "<script>alert(1)</script>", "bio": "I <b>coach</b>"}
    answer = await submit(member, "/settings", "/settings/profile", fields)

    assert answer.status_code == 303
    page = (await member.get(answer.headers["location"])).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "I &lt;b&gt;coach&lt;/b&gt;" in page
    assert "<script>alert(1)" not in page


async def test_a_wrong_current_password_shows_the_form_again_with_the_reason(
    member: AsyncClient,
) -> None:
    fields = {"new_email": "kept.address@example.org", "current_password": "not the password"}
    answer = await submit(member, "/settings", "/settings/email", fields)

    assert answer.status_code == 403
    assert "The current password is not correct." in answer.text
    assert 'value="kept.address@example.org"' in answer.text
    assert "not the password" not in answer.text


async def test_an_email_change_mails_a_confirmation_link_to_the_new_address(
    member: AsyncClient, smtp_sink: SmtpSink
) -> None:
    fields = {"new_email": "settings.new@example.org", "current_password": DEFAULT_PASSWORD}
    answer = await submit(member, "/settings", "/settings/email", fields)

    assert answer.status_code == 303
    assert await mailed_token(smtp_sink, "settings.new@example.org", "confirm-email")
    assert "confirmation link" in (await member.get(answer.headers["location"])).text


async def test_a_changed_password_is_the_one_that_logs_in(
    member: AsyncClient, new_client: Callable[..., AsyncClient]
) -> None:
    fields = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    answer = await submit(member, "/settings", "/settings/password", fields)

    assert answer.status_code == 303
    assert (await log_in(new_client(), EMAIL, DEFAULT_PASSWORD)).status_code == 401
    assert (await log_in(new_client(), EMAIL, NEW_PASSWORD)).status_code == 200


async def test_ending_another_session_logs_that_browser_out(
    member: AsyncClient, new_client: Callable[..., AsyncClient]
) -> None:
    other = new_client()
    assert (await log_in(other, EMAIL)).status_code == 200
    sessions = (await member.get("/api/v1/me/sessions")).json()["items"]
    [elsewhere] = [s["id"] for s in sessions if not s["current"]]

    action = f"/settings/sessions/{elsewhere}/end"
    answer = await submit(member, "/settings", action, {})

    assert answer.status_code == 303
    assert (await other.get("/settings")).status_code == 303
    assert (await member.get("/settings")).status_code == 200


async def test_log_out_everywhere_ends_every_session_of_the_member(
    member: AsyncClient, new_client: Callable[..., AsyncClient]
) -> None:
    other = new_client()
    assert (await log_in(other, EMAIL)).status_code == 200

    answer = await submit(member, "/settings", "/settings/logout-everywhere", {})

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert (await other.get("/settings")).status_code == 303
    assert (await member.get("/settings")).status_code == 303


async def test_a_settings_form_without_the_csrf_value_is_refused(member: AsyncClient) -> None:
    answer = await member.post(
        "/settings/profile", data={"display_name": "Nope"}, headers=SAME_ORIGIN
    )

    assert answer.status_code == 403
    assert 'value="Settings Member"' in (await member.get("/settings")).text


async def test_a_free_org_shows_no_payment_and_no_billing_button(member: AsyncClient) -> None:
    await create_org(member, name="Free Settings Circle", slug="free-settings")

    page = (await member.get("/settings")).text

    assert "Free Settings Circle" in page
    assert "free membership" in page
    assert "Manage billing" not in page


@pytest.mark.checklist("C16")
@pytest.mark.usefixtures("stripe_configured")
async def test_settings_show_the_payment_status_and_manage_billing_per_org(
    app: FastAPI, member: AsyncClient
) -> None:
    org_id = await priced_org(member)
    await submit(member, f"/orgs/{org_id}", f"/orgs/{org_id}/join", {})
    await set_standing(app, org_id, PaymentStatus.PAST_DUE, "cus_settings")

    page = (await member.get("/settings")).text

    assert "Payment: overdue: please update your payment details" in page
    assert f'action="/orgs/{org_id}/manage-billing"' in page
    assert "Manage billing for Paid Circle" in page
