"""A member made the way a visitor does it: the sign-up page, the mailed link, the login page."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.api import PASSWORD
from tests.browser.live_server import LiveServer

__all__ = ["PASSWORD", "log_in", "sign_up_and_verify"]


async def sign_up_and_verify(page: Page, server: LiveServer, email: str) -> None:
    await page.goto(f"{server.url}/signup")
    await page.get_by_label("Your name").fill("Ada")
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    await page.goto(await server.link_mailed_to(email, "/verify-email"))
    await page.get_by_role("button", name="Confirm my email").click()
    await expect(page.get_by_role("heading", level=1)).to_be_visible()


async def log_in(
    page: Page,
    server: LiveServer,
    email: str,
    password: str = PASSWORD,
    *,
    expect_signed_in: bool = True,
) -> None:
    await page.goto(f"{server.url}/login")
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Log in").click()
    if expect_signed_in:
        await expect(page.get_by_role("button", name="Log out")).to_be_visible()
