"""Account journeys in a real Chromium against a real server, found by label and role."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.accounts import PASSWORD, log_in, sign_up_and_verify
from tests.browser.api import Members
from tests.browser.live_server import LiveServer

NEW_PASSWORD = "another long enough password"


@pytest.mark.checklist("C01")
async def test_sign_up_verify_log_in_refresh_log_out_and_log_in_again(
    page: Page, server: LiveServer
) -> None:
    email = "ada@example.org"
    await sign_up_and_verify(page, server, email)
    await log_in(page, server, email)
    await page.reload()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("link", name="Log in")).to_be_visible()
    await log_in(page, server, email)


@pytest.mark.checklist("C02")
async def test_a_mailed_login_link_opened_and_pressed_signs_the_member_in(
    page: Page, server: LiveServer, members: Members
) -> None:
    member = await members.new("Grace")
    await page.goto(f"{server.url}/login")
    await page.get_by_label("Email for a login link").fill(member.email)
    await page.get_by_role("button", name="Email me a login link").click()
    await expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    await page.goto(await server.link_mailed_to(member.email, "/magic-link"))
    await page.get_by_role("button", name="Log me in").click()

    await expect(page.get_by_role("heading", name="Hello, Grace")).to_be_visible()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.checklist("C03")
async def test_a_reset_sets_a_new_password_refuses_the_old_and_ends_other_sessions(
    page: Page, server: LiveServer, members: Members
) -> None:
    member = await members.new("Hedy")
    await page.goto(f"{server.url}/reset-password")
    await page.get_by_label("Email", exact=True).fill(member.email)
    await page.get_by_role("button", name="Email me a reset link").click()
    await expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    await page.goto(await server.link_mailed_to(member.email, "/reset-password"))
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Set new password").click()
    await expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

    await log_in(page, server, member.email, PASSWORD, expect_signed_in=False)
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    await log_in(page, server, member.email, NEW_PASSWORD)
    assert (await member.client.get("/api/v1/me")).status_code == 401
