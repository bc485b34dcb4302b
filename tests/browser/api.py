"""Seeding a live server through its HTTP API, faster than clicking: members, orgs, spaces,
posts, invites. What a journey tests goes through the pages; this only sets the stage."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient, Response
from playwright.async_api import BrowserContext

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
