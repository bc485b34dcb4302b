"""Coach/admin pages through HTTP: members and roles, invites, the audit log, reached
only by admins and owners, through the services the API's admin routes use."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.pages.bulk import (
    Seeder,
    seed_rows,
    seeded_event,
    seeded_invite,
    seeded_member,
    seeded_space,
)
from tests.pages.forms import submit
from tests.support.accounts import mailed_token, verified_member
from tests.support.orgs import create_org, invite
from tests.support.smtp_sink import SmtpSink
from tests.support.world import World
from tests.support.world_content import Callers

MEMBER = "admin.pages.member@example.org"


@dataclass
class Circle:
    org_id: str
    owner: AsyncClient
    member: AsyncClient
    member_id: str


@pytest.fixture
async def circle(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> Circle:
    owner, member = new_client(), new_client()
    await verified_member(owner, smtp_sink, "admin.pages.owner@example.org", name="Coach")
    org_id = await create_org(owner, name="Admin Circle", slug="admin-circle")
    joined = await verified_member(member, smtp_sink, MEMBER, name="Mo <i>Member</i>")
    await invite(owner, org_id, MEMBER)
    token = await mailed_token(smtp_sink, MEMBER, "invite")
    accepted = await member.post("/api/v1/invites/accept", json={"token": token})
    assert accepted.status_code == 200, accepted.text
    return Circle(org_id, owner, member, joined.user_id)


async def role_of(circle: Circle) -> str:
    answer = await circle.owner.get(f"/api/v1/orgs/{circle.org_id}/members/{circle.member_id}")
    role: str = answer.json()["role"]
    return role


async def test_the_org_page_links_the_coach_tools_for_the_owner(circle: Circle) -> None:
    page = (await circle.owner.get(f"/orgs/{circle.org_id}")).text

    assert f'href="/orgs/{circle.org_id}/admin/members"' in page
    assert f'href="/orgs/{circle.org_id}/admin/invites"' in page
    assert f'href="/orgs/{circle.org_id}/admin/spaces"' in page
    assert f'href="/orgs/{circle.org_id}/admin/spaces"' in page
    assert f'href="/orgs/{circle.org_id}/admin/audit-log"' in page


async def test_the_org_page_shows_no_coach_tools_to_a_member(circle: Circle) -> None:
    page = (await circle.member.get(f"/orgs/{circle.org_id}")).text

    assert "/admin/" not in page


async def test_a_member_opening_the_admin_members_page_is_refused(circle: Circle) -> None:
    answer = await circle.member.get(f"/orgs/{circle.org_id}/admin/members")

    assert answer.status_code == 403
    assert answer.headers["cache-control"] == "no-store"
    assert "Not allowed" in answer.text


async def test_the_owner_changes_a_members_role_through_the_page(circle: Circle) -> None:
    page = f"/orgs/{circle.org_id}/admin/members"
    action = f"{page}/{circle.member_id}/role"
    assert "Mo &lt;i&gt;Member&lt;/i&gt;" in (await circle.owner.get(page)).text

    answer = await submit(circle.owner, page, action, {"role": "moderator"})

    assert answer.status_code == 303
    assert await role_of(circle) == "moderator"


async def test_making_a_member_owner_is_refused_in_words_on_the_page(circle: Circle) -> None:
    page = f"/orgs/{circle.org_id}/admin/members"

    answer = await submit(circle.owner, page, f"{page}/{circle.member_id}/role", {"role": "owner"})

    assert answer.status_code == 403
    assert 'role="alert"' in answer.text
    assert "<h1>Manage members</h1>" in answer.text
    assert await role_of(circle) == "member"


async def test_a_removed_member_no_longer_sees_the_org(circle: Circle) -> None:
    page = f"/orgs/{circle.org_id}/admin/members"

    answer = await submit(circle.owner, page, f"{page}/{circle.member_id}/remove", {})

    assert answer.status_code == 303
    assert (await circle.member.get(f"/orgs/{circle.org_id}")).status_code == 404


async def test_an_invite_sent_from_the_page_carries_its_role_and_spaces(
    circle: Circle, smtp_sink: SmtpSink
) -> None:
    space = await circle.owner.post(
        f"/api/v1/orgs/{circle.org_id}/spaces",
        json={"name": "Inner <b>room</b>", "description": "", "visibility": "private"},
    )
    space_id = space.json()["id"]
    page = f"/orgs/{circle.org_id}/admin/invites"
    assert "Inner &lt;b&gt;room&lt;/b&gt;" in (await circle.owner.get(page)).text
    fields = {"email": "invited.pages@example.org", "role": "moderator", "space_ids": space_id}

    answer = await submit(circle.owner, page, page, fields)

    assert answer.status_code == 303
    assert await mailed_token(smtp_sink, "invited.pages@example.org", "invite")
    listed = (await circle.owner.get(f"/api/v1/orgs/{circle.org_id}/invites")).json()["items"]
    [sent] = [i for i in listed if i["email"] == "invited.pages@example.org"]
    assert (sent["role"], sent["space_ids"]) == ("moderator", [space_id])


async def test_a_bad_invite_address_shows_the_form_again_with_the_input(circle: Circle) -> None:
    page = f"/orgs/{circle.org_id}/admin/invites"

    answer = await submit(circle.owner, page, page, {"email": "not-an-address", "role": "admin"})

    assert answer.status_code == 422
    assert 'value="not-an-address"' in answer.text
    assert '<option value="admin" selected>' in answer.text


async def test_a_revoked_invite_leaves_the_list(circle: Circle) -> None:
    sent = await invite(circle.owner, circle.org_id, "revoked.pages@example.org")
    page = f"/orgs/{circle.org_id}/admin/invites"
    assert "revoked.pages@example.org" in (await circle.owner.get(page)).text

    answer = await submit(circle.owner, page, f"{page}/{sent['id']}/revoke", {})

    assert answer.status_code == 303
    assert "revoked.pages@example.org" not in (await circle.owner.get(page)).text


async def test_the_audit_log_page_shows_a_role_change(circle: Circle) -> None:
    members = f"/orgs/{circle.org_id}/admin/members"
    await submit(circle.owner, members, f"{members}/{circle.member_id}/role", {"role": "admin"})

    page = await circle.owner.get(f"/orgs/{circle.org_id}/admin/audit-log")

    assert page.status_code == 200
    assert "<h1>Audit log</h1>" in page.text
    assert "<strong>member.role_changed</strong>" in page.text


async def test_the_audit_log_page_names_the_actor_and_the_member_acted_upon(
    circle: Circle,
) -> None:
    members = f"/orgs/{circle.org_id}/admin/members"
    await submit(circle.owner, members, f"{members}/{circle.member_id}/role", {"role": "admin"})

    page = (await circle.owner.get(f"/orgs/{circle.org_id}/admin/audit-log")).text

    actor = '<span class="actor">Coach (admin.pages.owner@example.org)</span>'
    assert actor in page
    assert f'<span class="target">Mo &lt;i&gt;Member&lt;/i&gt; ({MEMBER})</span>' in page
    assert circle.member_id not in page


async def test_the_audit_log_page_still_names_a_member_who_was_removed(circle: Circle) -> None:
    members = f"/orgs/{circle.org_id}/admin/members"
    await submit(circle.owner, members, f"{members}/{circle.member_id}/remove", {})

    page = (await circle.owner.get(f"/orgs/{circle.org_id}/admin/audit-log")).text

    assert "<strong>member.removed</strong>" in page
    assert '<span class="target">Mo &lt;i&gt;Member&lt;/i&gt;' in page


# -- paging: 50 rows a page, the next one reached by the link carrying the API's cursor ----


@dataclass(frozen=True)
class AdminList:
    path: str  # the same under /orgs/{id}/admin/ (the page) and /api/v1/orgs/{id}/ (the API)
    seeder: Seeder
    row: re.Pattern[str]
    label: Callable[[dict[str, Any]], str]


AT_LINE_START = re.compile(r"<li>([^<]+?) <span")
ADMIN_LISTS = {
    "members": AdminList("members", seeded_member, AT_LINE_START, lambda i: i["display_name"]),
    "invites": AdminList("invites", seeded_invite, AT_LINE_START, lambda i: i["email"]),
    "spaces": AdminList(
        "spaces",
        seeded_space,
        re.compile(r'<li><a href="[^"]+">Edit ([^<]+)</a>'),
        lambda i: i["name"],
    ),
    "audit log": AdminList(
        "audit-log",
        seeded_event,
        re.compile(r"seeded: ([0-9a-f]{12})"),
        lambda i: i["details"]["seeded"],
    ),
}
NEXT_LINK = re.compile(r'<a href="(\?cursor=[^"]+)">(?:More|Older) ')


async def rows_by_page(client: AsyncClient, path: str, row: re.Pattern[str]) -> list[list[str]]:
    """Each page's rows, following the page's own next-page link until there is none."""
    pages, url = [], path
    while True:
        text = (await client.get(url)).text
        pages.append([html.unescape(label) for label in row.findall(text)])
        link = NEXT_LINK.search(text)
        if link is None:
            return pages
        url = path + html.unescape(link.group(1))


async def admin_list_walk(
    app: FastAPI, world: World, callers: Callers, kind: AdminList
) -> tuple[list[list[str]], list[str]]:
    """51 rows seeded (beside the world's own), then the pages and the API's whole list."""
    await seed_rows(app, world, kind.seeder, 51)
    org_id, owner = world.refs["org_id"], callers("owner")
    pages = await rows_by_page(owner, f"/orgs/{org_id}/admin/{kind.path}", kind.row)
    api = await owner.get(f"/api/v1/orgs/{org_id}/{kind.path}", params={"limit": 100})
    assert api.json()["next_cursor"] is None
    return pages, [kind.label(item) for item in api.json()["items"]]


@pytest.mark.parametrize("kind", ADMIN_LISTS.values(), ids=ADMIN_LISTS.keys())
async def test_the_51st_row_of_an_admin_list_is_on_its_second_page(
    app: FastAPI, world: World, callers: Callers, kind: AdminList
) -> None:
    pages, everything = await admin_list_walk(app, world, callers, kind)

    assert len(pages) == 2
    assert len(pages[0]) == 50
    assert everything[50] in pages[1]


@pytest.mark.parametrize("kind", ADMIN_LISTS.values(), ids=ADMIN_LISTS.keys())
async def test_the_pages_of_an_admin_list_hold_each_row_once_in_the_apis_order(
    app: FastAPI, world: World, callers: Callers, kind: AdminList
) -> None:
    pages, everything = await admin_list_walk(app, world, callers, kind)

    assert [label for page in pages for label in page] == everything


async def spaces_of(circle: Circle) -> list[dict[str, str]]:
    answer = await circle.owner.get(f"/api/v1/orgs/{circle.org_id}/spaces")
    items: list[dict[str, str]] = answer.json()["items"]
    return items


async def new_space(circle: Circle, name: str = "Inner room", visibility: str = "private") -> str:
    page = f"/orgs/{circle.org_id}/admin/spaces"
    fields = {"name": name, "description": "", "visibility": visibility}
    answer = await submit(circle.owner, page, page, fields)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


async def test_a_space_created_from_the_page_has_its_visibility(circle: Circle) -> None:
    await new_space(circle, "Back <b>room</b>", "private")

    [space] = await spaces_of(circle)
    assert (space["name"], space["visibility"]) == ("Back <b>room</b>", "private")
    page = (await circle.owner.get(f"/orgs/{circle.org_id}/admin/spaces")).text
    assert "Edit Back &lt;b&gt;room&lt;/b&gt;" in page


async def test_a_space_without_a_name_shows_the_form_again(circle: Circle) -> None:
    page = f"/orgs/{circle.org_id}/admin/spaces"
    fields = {"name": "", "description": "Kept words", "visibility": "open"}

    answer = await submit(circle.owner, page, page, fields)

    assert answer.status_code == 422
    assert "Kept words" in answer.text
    assert await spaces_of(circle) == []


async def test_a_space_edited_from_the_page_keeps_the_new_name(circle: Circle) -> None:
    space_page = await new_space(circle)
    fields = {"name": "Renamed room", "description": "New words", "visibility": "open"}

    answer = await submit(circle.owner, space_page, space_page, fields)

    assert answer.status_code == 303
    [space] = await spaces_of(circle)
    assert (space["name"], space["description"], space["visibility"]) == (
        "Renamed room",
        "New words",
        "open",
    )


async def test_a_deleted_space_is_gone(circle: Circle) -> None:
    space_page = await new_space(circle)

    answer = await submit(circle.owner, space_page, f"{space_page}/delete", {})

    assert answer.status_code == 303
    assert await spaces_of(circle) == []
    assert (await circle.owner.get(space_page)).status_code == 404


async def test_a_member_added_to_a_private_space_can_open_it(circle: Circle) -> None:
    space_page = await new_space(circle)
    space_id = space_page.rsplit("/", 1)[1]
    feed = f"/orgs/{circle.org_id}/spaces/{space_id}"
    assert (await circle.member.get(feed)).status_code == 404

    fields = {"email": MEMBER}
    answer = await submit(circle.owner, space_page, f"{space_page}/members", fields)

    assert answer.status_code == 303
    assert (await circle.member.get(feed)).status_code == 200
    assert (
        "Remove Mo &lt;i&gt;Member&lt;/i&gt; from this space"
        in (await circle.owner.get(space_page)).text
    )


async def test_a_member_removed_from_a_private_space_no_longer_sees_it(circle: Circle) -> None:
    space_page = await new_space(circle)
    space_id = space_page.rsplit("/", 1)[1]
    await submit(circle.owner, space_page, f"{space_page}/members", {"email": MEMBER})

    action = f"{space_page}/members/{circle.member_id}/remove"
    answer = await submit(circle.owner, space_page, action, {})

    assert answer.status_code == 303
    feed = f"/orgs/{circle.org_id}/spaces/{space_id}"
    assert (await circle.member.get(feed)).status_code == 404


async def test_an_email_of_no_member_shows_the_space_form_again_with_the_input(
    circle: Circle,
) -> None:
    space_page = await new_space(circle)
    fields = {"email": "not.a.member@example.org"}

    answer = await submit(circle.owner, space_page, f"{space_page}/members", fields)

    assert answer.status_code == 404
    assert "No member of this community has that email address" in answer.text
    assert 'value="not.a.member@example.org"' in answer.text


async def test_a_member_of_another_org_is_not_added_to_a_space_from_the_page(
    world: World, callers: Callers
) -> None:
    org_id, owner = world.refs["org_id"], callers("owner")
    space_id = await private_space_of(owner, org_id)
    space_page = f"/orgs/{org_id}/admin/spaces/{space_id}"
    stranger = world.people["other_org_member"]

    answer = await submit(owner, space_page, f"{space_page}/members", {"email": stranger.email})

    assert answer.status_code == 404
    assert 'role="alert"' in answer.text
    assert stranger.user_id not in await space_member_ids(owner, org_id, space_id)


async def private_space_of(owner: AsyncClient, org_id: str) -> str:
    body = {"name": "Back room", "description": "", "visibility": "private"}
    answer = await owner.post(f"/api/v1/orgs/{org_id}/spaces", json=body)
    assert answer.status_code == 201, answer.text
    space_id: str = answer.json()["id"]
    return space_id


async def space_member_ids(owner: AsyncClient, org_id: str, space_id: str) -> set[uuid.UUID]:
    path = f"/api/v1/orgs/{org_id}/spaces/{space_id}/members"
    items = (await owner.get(path, params={"limit": 100})).json()["items"]
    return {uuid.UUID(item["user_id"]) for item in items}


async def test_the_51st_member_of_an_org_is_added_to_a_private_space_from_the_page(
    app: FastAPI, world: World, callers: Callers
) -> None:
    await seed_rows(app, world, seeded_member, 51)
    org_id, owner = world.refs["org_id"], callers("owner")
    members = await owner.get(f"/api/v1/orgs/{org_id}/members", params={"limit": 100})
    fifty_first = members.json()["items"][50]
    space_id = await private_space_of(owner, org_id)
    space_page = f"/orgs/{org_id}/admin/spaces/{space_id}"

    fields = {"email": fifty_first["email"]}
    answer = await submit(owner, space_page, f"{space_page}/members", fields)

    assert answer.status_code == 303, answer.text
    assert uuid.UUID(fifty_first["user_id"]) in await space_member_ids(owner, org_id, space_id)


async def test_the_51st_space_of_an_org_is_chosen_for_an_invite_from_the_page(
    app: FastAPI, world: World, callers: Callers
) -> None:
    await seed_rows(app, world, seeded_space, 51)
    org_id, owner = world.refs["org_id"], callers("owner")
    spaces = await owner.get(f"/api/v1/orgs/{org_id}/spaces", params={"limit": 100})
    fifty_first = spaces.json()["items"][50]["id"]
    page = f"/orgs/{org_id}/admin/invites"
    assert f'value="{fifty_first}"' in (await owner.get(page)).text

    fields = {"email": "invited.to.51st@example.org", "space_ids": fifty_first}
    answer = await submit(owner, page, page, fields)

    assert answer.status_code == 303, answer.text
    listed = (await owner.get(f"/api/v1/orgs/{org_id}/invites", params={"limit": 100})).json()
    [sent] = [i for i in listed["items"] if i["email"] == "invited.to.51st@example.org"]
    assert sent["space_ids"] == [fifty_first]
