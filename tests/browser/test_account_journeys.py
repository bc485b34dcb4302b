"""Account journeys in a real Chromium against a real server, found by label and role."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.live_server import LiveServer

PASSWORD = "a long enough password"


async def _log_in(page: Page, server: LiveServer, email: str) -> None:
    await page.goto(f"{server.url}/login")
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.checklist("C01")
async def test_sign_up_verify_log_in_refresh_log_out_and_log_in_again(
    page: Page, server: LiveServer
) -> None:
    email = "ada@example.org"
    await page.goto(f"{server.url}/signup")
    await page.get_by_label("Your name").fill("Ada")
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()

    await page.goto(server.link_mailed_to(email, "/verify-email"))
    await page.get_by_role("button", name="Confirm my email").click()
    await expect(page.get_by_role("heading", level=1)).to_be_visible()

    await _log_in(page, server, email)
    await page.reload()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("link", name="Log in")).to_be_visible()
    await _log_in(page, server, email)
