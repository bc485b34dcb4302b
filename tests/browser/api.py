"""Seeding a live server through its HTTP API, faster than clicking: members, orgs, spaces,
posts, invites. What a journey tests goes through the pages; this only sets the stage."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient, Response
from playwright.async_api import BrowserContext, StorageState

from tests.browser.live_server import LiveServer

PASSWORD = "a long enough password"
_TOKEN = re.compile(r"#token=(?P<token>[^&\s]+)")


@dataclass
class ApiMember:
    """A verified, logged-in account with an API client holding its session."""

    client: AsyncClient
    email: str
    name: str
    user_id: str

    async def call(self, method: str, path: str, expected: int, **body: Any) -> Any:
        """One API request that must answer `expected`; its JSON body (None when empty)."""
        answer: Response = await self.client.request(method, f"/api/v1{path}", json=body or None)
        assert answer.status_code == expected, f"{method} {path}: {answer.text}"
        return answer.json() if answer.content else None


def token_of(link: str) -> str:
    found = _TOKEN.search(link)
    assert found is not None, link
    return found.group("token")


async def api_member(server: LiveServer, email: str, name: str) -> ApiMember:
    """Signed up, verified with the mailed token and logged in, all through the API."""
    client = AsyncClient(base_url=server.url, timeout=30)
    account = {"email": email, "password": PASSWORD, "display_name": name}
    assert (await client.post("/api/v1/auth/signup", json=account)).status_code == 202
    token = token_of(await server.link_mailed_to(email, "/verify-email"))
    verified = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    return await api_login(client, email, name)


class Members:
    """Makes API members with unique addresses for one test; closes their clients after."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.made: list[ApiMember] = []

    async def new(self, name: str) -> ApiMember:
        email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:8]}@example.org"
        member = await api_member(self.server, email, name)
        self.made.append(member)
        return member

    async def close(self) -> None:
        for member in self.made:
            await member.client.aclose()


async def api_login(client: AsyncClient, email: str, name: str) -> ApiMember:
    answer = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return ApiMember(client, email, name, answer.json()["user"]["id"])


async def share_session(member: ApiMember, context: BrowserContext, server: LiveServer) -> None:
    """The browser context takes over the member's session cookies: signed in, no clicks."""
    jar = member.client.cookies.jar
    await context.add_cookies(
        [{"name": c.name, "value": c.value or "", "url": server.url} for c in jar]
    )


async def create_org(owner: ApiMember, name: str, slug: str) -> str:
    org: dict[str, Any] = await owner.call("POST", "/orgs", 201, name=name, slug=slug)
    return str(org["id"])


async def create_space(owner: ApiMember, org_id: str, name: str) -> str:
    body = {"name": name, "description": f"About {name}", "visibility": "open"}
    space: dict[str, Any] = await owner.call("POST", f"/orgs/{org_id}/spaces", 201, **body)
    return str(space["id"])


async def create_post(author: ApiMember, org_id: str, space_id: str, title: str) -> str:
    body = {"title": title, "body": f"The text of {title}.", "status": "published"}
    path = f"/orgs/{org_id}/spaces/{space_id}/posts"
    post: dict[str, Any] = await author.call("POST", path, 201, **body)
    return str(post["id"])


async def invite(owner: ApiMember, org_id: str, email: str, space_ids: list[str]) -> None:
    body = {"email": email, "role": "member", "space_ids": space_ids}
    await owner.call("POST", f"/orgs/{org_id}/invites", 201, **body)


async def join_by_invite(
    server: LiveServer, owner: ApiMember, org_id: str, member: ApiMember, space_ids: list[str]
) -> None:
    """`member` invited by `owner` and accepting through the API."""
    await invite(owner, org_id, member.email, space_ids)
    token = token_of(await server.link_mailed_to(member.email, "/invite"))
    await member.call("POST", "/invites/accept", 200, token=token)


# The size of a member's dashboard (issue 13): 10 spaces holding 50 posts.
DASHBOARD_SPACES = 10
DASHBOARD_POSTS = 50
_BODY = (
    "This week we looked at how to keep a weekly review short enough to actually do it. "
    "Three questions, ten minutes, the same time every Friday: what moved, what stalled, "
    "and what is the one thing that would make next week easier. Reply with yours. "
) * 3


async def seed_dashboard_member(server: LiveServer) -> ApiMember:
    """A member whose org has DASHBOARD_SPACES spaces and DASHBOARD_POSTS published posts,
    spread evenly, through the API (the server's rate limits are off)."""
    suffix = uuid.uuid4().hex[:8]
    member = await api_member(server, f"dashboard.{suffix}@example.org", "Dana Reader")
    org_id = await create_org(member, "Evening Circle", f"evening-{suffix}")
    names = [f"Weekly practice {n + 1}" for n in range(DASHBOARD_SPACES)]
    space_ids = [await create_space(member, org_id, name) for name in names]
    for n in range(DASHBOARD_POSTS):
        path = f"/orgs/{org_id}/spaces/{space_ids[n % DASHBOARD_SPACES]}/posts"
        title = f"Friday review, week {n + 1}: what moved and what stalled"
        await member.call("POST", path, 201, title=title, body=_BODY, status="published")
    return member


def storage_state_of(member: ApiMember) -> StorageState:
    """A browser storage state holding the member's session cookies: signed in, no clicks."""
    cookies = [
        {
            "name": c.name, "value": c.value or "", "domain": c.domain, "path": c.path or "/",
            "expires": -1, "httpOnly": c.name == "session", "secure": False, "sameSite": "Lax",
        }
        for c in member.client.cookies.jar
    ]  # fmt: skip
    return {"cookies": cookies, "origins": []}  # type: ignore[typeddict-item]
