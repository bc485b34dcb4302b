"""Every page at 320x640, the narrowest phone: one h1, a name for every visible field and
every button, nothing wider than the screen (issue 13).

The pages come from the app's router: `test_the_walk_visits_every_get_page_route` fails
when a GET page route is neither visited below nor skipped with its reason, so a new page
cannot be left out silently. Each page is seen by the person it is for (a visitor, a
member, the owner), in an org seeded through the API with a space, a post with a comment
and a conversation with a message.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from playwright.async_api import Browser, Page, StorageState, expect

from app.pages.routing import PageRoute
from tests.browser.api import (
    ApiMember,
    api_member,
    create_org,
    create_post,
    create_space,
    join_by_invite,
    storage_state_of,
)
from tests.browser.live_server import LiveServer

WIDTH, HEIGHT = 320, 640
FAKE_TOKEN = "#token=not-a-real-token"  # the link pages' forms show with a token at hand


@dataclass(frozen=True)
class Visit:
    route: str  # the route's path template, as the router has it
    viewer: str  # "visitor", "member" or "owner"
    fragment: str = ""

    @property
    def name(self) -> str:
        return f"{self.route}{self.fragment and ' with a token'} as {self.viewer}"


LINK_PAGES = ["/verify-email", "/magic-link", "/reset-password", "/invite", "/confirm-email"]
VISITS = [
    *(Visit(route, "visitor") for route in ["/", "/signup", "/login", "/unsubscribe"]),
    *(Visit(route, "visitor") for route in LINK_PAGES),
    *(Visit(route, "visitor", FAKE_TOKEN) for route in [*LINK_PAGES, "/unsubscribe"]),
    Visit("/invite", "member", FAKE_TOKEN),
    *(
        Visit(route, "member")
        for route in [
            "/dashboard",
            "/settings",
            "/orgs/{org_id}",
            "/orgs/{org_id}/spaces/{space_id}",
            "/orgs/{org_id}/spaces/{space_id}/write",
            "/orgs/{org_id}/posts/{post_id}",
            "/orgs/{org_id}/posts/{post_id}/edit",
            "/orgs/{org_id}/members",
            "/orgs/{org_id}/conversations",
            "/orgs/{org_id}/conversations/{conversation_id}",
        ]
    ),
    *(
        Visit(route, "owner")
        for route in [
            "/orgs/{org_id}",
            "/orgs/{org_id}/admin/members",
            "/orgs/{org_id}/admin/invites",
            "/orgs/{org_id}/admin/spaces",
            "/orgs/{org_id}/admin/spaces/{space_id}",
            "/orgs/{org_id}/admin/audit-log",
        ]
    ),
]
# GET page routes not walked, each with its reason (none today: every page is walked).
SKIPPED: dict[str, str] = {}


@dataclass
class Stage:
    refs: dict[str, str]
    states: dict[str, StorageState | None]

    def url(self, server: LiveServer, visit: Visit) -> str:
        return server.url + visit.route.format(**self.refs) + visit.fragment


async def _seeded_stage(server: LiveServer) -> tuple[Stage, list[ApiMember]]:
    suffix = uuid.uuid4().hex[:8]
    owner = await api_member(server, f"narrow.owner.{suffix}@example.org", "Coach Kim")
    member = await api_member(server, f"narrow.member.{suffix}@example.org", "Mo Member")
    org_id = await create_org(owner, "A circle with a rather long name indeed", f"n-{suffix}")
    space_id = await create_space(owner, org_id, "Lounge")
    await join_by_invite(server, owner, org_id, member, [space_id])
    post_id = await create_post(member, org_id, space_id, "Week one: how did it go for you?")
    await owner.call("POST", f"/orgs/{org_id}/posts/{post_id}/comments", 201, body="Well done.")
    conversation = await member.call(
        "POST", f"/orgs/{org_id}/conversations", 201, participant_ids=[owner.user_id]
    )
    path = f"/orgs/{org_id}/conversations/{conversation['id']}/messages"
    await member.call("POST", path, 201, body="Hello, coach!")
    refs = dict(
        org_id=org_id, space_id=space_id, post_id=post_id, conversation_id=conversation["id"]
    )
    states = {
        "visitor": None,
        "member": storage_state_of(member),
        "owner": storage_state_of(owner),
    }
    return Stage(refs, states), [owner, member]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stage(server: LiveServer) -> AsyncIterator[Stage]:
    made, people = await _seeded_stage(server)
    yield made
    for person in people:
        await person.client.aclose()


async def open_narrow(browser: Browser, state: StorageState | None) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, storage_state=state
    )
    yield await context.new_page()
    await context.close()


NAMED = re.compile(r"\S")
FIELDS = "input:not([type=hidden]):visible, select:visible, textarea:visible"
BUTTONS = "button:visible, input[type=submit]:visible, input[type=button]:visible"


async def settled(page: Page, visit: Visit) -> None:
    """The invite page's script has shown what the preview answered (its widest text)."""
    if visit.route == "/invite" and visit.fragment:
        await expect(page.get_by_role("status")).to_have_text(re.compile("no longer valid"))


async def overflow(page: Page) -> int:
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    return width


@pytest.mark.parametrize("visit", VISITS, ids=[visit.name for visit in VISITS])
async def test_a_page_at_320_pixels_has_one_h1_named_controls_and_no_sideways_scroll(
    browser: Browser, server: LiveServer, stage: Stage, visit: Visit
) -> None:
    async for page in open_narrow(browser, stage.states[visit.viewer]):
        answer = await page.goto(stage.url(server, visit))
        assert answer is not None and answer.status == 200, answer and answer.url
        assert page.url.split("#")[0] == stage.url(server, visit).split("#")[0]
        await settled(page, visit)

        await expect(page.locator("h1")).to_have_count(1)
        for control in await page.locator(FIELDS).all() + await page.locator(BUTTONS).all():
            await expect(control).to_have_accessible_name(NAMED, timeout=1000)
        assert await overflow(page) <= WIDTH


def get_page_routes(app: FastAPI) -> set[str]:
    return {
        str(context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, PageRoute) and "GET" in (context.methods or ())
    }


def test_the_walk_visits_every_get_page_route(app: FastAPI) -> None:
    walked = {visit.route for visit in VISITS}

    assert get_page_routes(app) - walked - set(SKIPPED) == set()
    assert walked | set(SKIPPED) <= get_page_routes(app)
