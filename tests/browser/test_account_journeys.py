"""Account journeys in a real Chromium against a real server, found by label and role."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.accounts import log_in, sign_up_and_verify
from tests.browser.live_server import LiveServer


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
