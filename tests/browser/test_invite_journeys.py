"""Invitations accepted in a real Chromium: the mailed link, the invite page, the org."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect

from tests.browser.api import (
    PASSWORD,
    ApiMember,
    Members,
    create_org,
    create_space,
    invite,
    share_session,
)
from tests.browser.live_server import LiveServer


@dataclass
class Community:
    owner: ApiMember
    org_id: str
    org_name: str
    space_id: str


@pytest.fixture
async def community(members: Members) -> Community:
    owner = await members.new("Coach Kim")
    slug = f"circle-{uuid.uuid4().hex[:8]}"
    org_id = await create_org(owner, f"Circle {slug}", slug)
    space_id = await create_space(owner, org_id, "Lounge")
    return Community(owner, org_id, f"Circle {slug}", space_id)


async def open_the_invite(page: Page, server: LiveServer, community: Community, email: str) -> None:
    await invite(community.owner, community.org_id, email, [community.space_id])
    await page.goto(await server.link_mailed_to(email, "/invite"))
    preview = f"Coach Kim invited you to join {community.org_name}."
    await expect(page.get_by_role("status")).to_have_text(preview)


async def expect_member_of(page: Page, server: LiveServer, community: Community) -> None:
    await expect(page).to_have_url(f"{server.url}/orgs/{community.org_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(community.org_name)
    await expect(page.get_by_role("link", name="Lounge")).to_be_visible()


@pytest.mark.checklist("C04")
async def test_an_invite_accepted_as_a_new_account_lands_in_the_org_with_its_spaces(
    page: Page, server: LiveServer, community: Community
) -> None:
    email = f"new.{uuid.uuid4().hex[:8]}@example.org"
    await open_the_invite(page, server, community, email)

    await page.get_by_label("Your name").fill("Newcomer")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account and join").click()

    await expect_member_of(page, server, community)
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.checklist("C04")
async def test_an_invite_accepted_by_a_signed_in_account_lands_in_the_org_with_its_spaces(
    page: Page, server: LiveServer, community: Community, members: Members
) -> None:
    existing = await members.new("Existing")
    await share_session(existing, page.context, server)
    await open_the_invite(page, server, community, existing.email)

    await expect(page.get_by_text(f"You are logged in as {existing.email}.")).to_be_visible()
    await page.get_by_role("button", name="Accept the invitation").click()

    await expect_member_of(page, server, community)


@pytest.mark.checklist("C04")
async def test_an_existing_account_logs_in_from_the_invite_and_comes_back_to_accept_it(
    page: Page, server: LiveServer, community: Community, members: Members
) -> None:
    existing = await members.new("Returning")
    await open_the_invite(page, server, community, existing.email)

    await page.get_by_role("link", name="Log in first").click()
    await page.get_by_label("Email", exact=True).fill(existing.email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()

    await expect(page).to_have_url(re.compile(re.escape(f"{server.url}/invite#token=") + ".+"))
    await expect(page.get_by_text(f"You are logged in as {existing.email}.")).to_be_visible()
    preview = f"Coach Kim invited you to join {community.org_name}."
    await expect(page.get_by_role("status")).to_have_text(preview)
    await page.get_by_role("button", name="Accept the invitation").click()
    await expect_member_of(page, server, community)


async def test_the_log_in_first_link_opened_in_a_new_tab_still_brings_the_invite_back(
    page: Page, server: LiveServer, community: Community, members: Members
) -> None:
    existing = await members.new("Other tab")
    await open_the_invite(page, server, community, existing.email)
    href = await page.get_by_role("link", name="Log in first").get_attribute("href")
    assert href is not None and href.startswith(f"{server.url}/login?next=/invite#token=")
    tab = await page.context.new_page()  # a tab of its own: none of the first one's storage

    await tab.goto(href)
    await tab.get_by_label("Email", exact=True).fill(existing.email)
    await tab.get_by_label("Password", exact=True).fill(PASSWORD)
    await tab.get_by_role("button", name="Log in").click()
    await tab.get_by_role("button", name="Accept the invitation").click()

    await expect_member_of(tab, server, community)
