"""What members do in a real Chromium: write, comment, message; and what an outsider gets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect

from tests.browser.api import (
    ApiMember,
    Members,
    create_org,
    create_post,
    create_space,
    join_by_invite,
    share_session,
)
from tests.browser.live_server import LiveServer


@dataclass
class Circle:
    owner: ApiMember
    member: ApiMember
    org_id: str
    space_id: str


@pytest.fixture
async def circle(server: LiveServer, members: Members) -> Circle:
    owner, member = await members.new("Coach Kim"), await members.new("Mo")
    slug = f"circle-{uuid.uuid4().hex[:8]}"
    org_id = await create_org(owner, f"Circle {slug}", slug)
    space_id = await create_space(owner, org_id, "Lounge")
    await join_by_invite(server, owner, org_id, member, [space_id])
    return Circle(owner, member, org_id, space_id)


async def write_a_post(page: Page, title: str) -> None:
    await page.get_by_role("link", name="Lounge").click()
    await page.get_by_role("link", name="Write a post").click()
    await page.get_by_label("Title").fill(title)
    await page.get_by_label("Text").fill("How did the week go for you?")
    await page.get_by_label("Publish now or keep as a draft").select_option(label="Publish")
    await page.get_by_role("button", name="Save post").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)


async def test_a_member_writes_a_post_and_comments_on_it(
    page: Page, server: LiveServer, circle: Circle
) -> None:
    await share_session(circle.member, page.context, server)
    await page.goto(f"{server.url}/orgs/{circle.org_id}")

    await write_a_post(page, "Week one")
    await page.get_by_label("Your comment").fill("Mine went well.")
    await page.get_by_role("button", name="Add comment").click()

    await expect(page.get_by_role("listitem").filter(has_text="Mine went well.")).to_be_visible()
    await page.get_by_role("link", name="Back to the space").click()
    await expect(page.get_by_role("link", name="Week one")).to_be_visible()


async def test_a_direct_message_sent_by_a_member_is_seen_by_the_other(
    page: Page, other_page: Page, server: LiveServer, circle: Circle
) -> None:
    await share_session(circle.member, page.context, server)
    await page.goto(f"{server.url}/orgs/{circle.org_id}")
    await page.get_by_role("link", name="Members", exact=True).click()
    await page.get_by_role("button", name="Message Coach Kim").click()
    await page.get_by_label("Your message").fill("Can we talk on Friday?")
    await page.get_by_role("button", name="Send message").click()
    await expect(page.get_by_text("Can we talk on Friday?")).to_be_visible()

    await share_session(circle.owner, other_page.context, server)
    await other_page.goto(f"{server.url}/orgs/{circle.org_id}")
    await other_page.get_by_role("link", name="Messages").click()
    await other_page.get_by_role("link", name="Mo", exact=True).click()
    await expect(other_page.get_by_role("heading", level=1)).to_have_text("With Mo")
    await expect(other_page.get_by_text("Can we talk on Friday?")).to_be_visible()


@pytest.mark.checklist("C10")
async def test_a_member_of_another_org_opening_a_copied_url_gets_the_404_page(
    page: Page, server: LiveServer, circle: Circle, members: Members
) -> None:
    post_id = await create_post(circle.owner, circle.org_id, circle.space_id, "Only for us")
    outsider = await members.new("Outsider")
    await create_org(outsider, "Elsewhere", f"elsewhere-{uuid.uuid4().hex[:8]}")
    await share_session(outsider, page.context, server)
    copied = [
        f"/orgs/{circle.org_id}/posts/{post_id}",
        f"/orgs/{circle.org_id}/spaces/{circle.space_id}",
    ]

    for path in copied:
        answer = await page.goto(server.url + path)
        assert answer is not None and answer.status == 404, path
        await expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        await expect(page.get_by_text("Only for us")).to_have_count(0)
        await expect(page.get_by_text("Lounge")).to_have_count(0)
