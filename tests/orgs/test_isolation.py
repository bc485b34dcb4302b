"""C10: a member of one org gets 404 for every object of another, wherever its ID arrives."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from httpx import AsyncClient

from tests.orgs.conftest import OrgWithOwner, join_as
from tests.support.accounts import verified_member
from tests.support.orgs import create_org, invite
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C10")


@pytest.fixture
async def rival(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> OrgWithOwner:
    """The owner of another, new org: owner rights, but only over their own org."""
    rival_client = new_client()
    owner = await verified_member(rival_client, smtp_sink, "rival@example.org")
    org_id = await create_org(rival_client, "Rival", "rival")
    return OrgWithOwner(org_id=org_id, owner=owner, owner_client=rival_client)


async def test_an_owner_cannot_act_on_another_orgs_member_through_their_own_orgs_path(
    org: OrgWithOwner, rival: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    """The classic hole: role checked in the URL's org, target loaded from a global table."""
    victim = await join_as(org, client, smtp_sink, "victim@example.org")
    through_own_org = f"/api/v1/orgs/{rival.org_id}/members/{victim.user_id}"
    assert (await rival.owner_client.get(through_own_org)).status_code == 404
    assert (
        await rival.owner_client.patch(through_own_org, json={"role": "admin"})
    ).status_code == 404
    assert (await rival.owner_client.delete(through_own_org)).status_code == 404
    transfer = await rival.owner_client.post(
        f"/api/v1/orgs/{rival.org_id}/transfer-ownership", json={"user_id": victim.user_id}
    )
    assert transfer.status_code == 404
    still_there = await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/members/{victim.user_id}")
    assert still_there.json()["role"] == "member"


async def test_another_orgs_invite_cannot_be_revoked_through_ones_own_org(
    org: OrgWithOwner, rival: OrgWithOwner, smtp_sink: SmtpSink
) -> None:
    made = await invite(org.owner_client, org.org_id, "invitee@example.org")
    response = await rival.owner_client.delete(f"/api/v1/orgs/{rival.org_id}/invites/{made['id']}")
    assert response.status_code == 404
    listed = (await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/invites")).json()["items"]
    assert [item["id"] for item in listed] == [made["id"]]


async def test_another_orgs_audit_log_and_members_are_not_found(
    org: OrgWithOwner, rival: OrgWithOwner
) -> None:
    for path in ("", "/members", "/audit-log", "/invites"):
        response = await rival.owner_client.get(f"/api/v1/orgs/{org.org_id}{path}")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


async def test_an_unknown_org_and_a_foreign_org_look_the_same(
    org: OrgWithOwner, rival: OrgWithOwner
) -> None:
    foreign = await rival.owner_client.get(f"/api/v1/orgs/{org.org_id}")
    unknown = await rival.owner_client.get("/api/v1/orgs/00000000-0000-4000-8000-000000000000")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["error"]["message"] == unknown.json()["error"]["message"]


async def test_a_cursor_from_one_orgs_list_is_refused_in_another(
    org: OrgWithOwner,
    rival: OrgWithOwner,
    new_client: Callable[..., AsyncClient],
    smtp_sink: SmtpSink,
) -> None:
    await join_as(org, new_client(), smtp_sink, "one@example.org")
    page = (await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/members?limit=1")).json()
    assert page["next_cursor"]
    response = await rival.owner_client.get(
        f"/api/v1/orgs/{rival.org_id}/members", params={"cursor": page["next_cursor"]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


async def test_members_are_paged_in_a_stable_order(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    for index in range(3):
        await join_as(org, new_client(), smtp_sink, f"m{index}@example.org")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/members", params=params)
        ).json()
        seen += [item["user_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 4


@pytest.mark.checklist("C15")
async def test_a_page_limit_over_the_cap_is_refused(org: OrgWithOwner) -> None:
    response = await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/members?limit=101")
    assert response.status_code == 422


@pytest.mark.checklist("C11")
async def test_member_emails_are_shown_only_to_admins_and_themselves(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    member_client = new_client()
    member = await join_as(org, member_client, smtp_sink, "mia@example.org")
    as_member = (await member_client.get(f"/api/v1/orgs/{org.org_id}/members")).json()["items"]
    emails = {item["user_id"]: item["email"] for item in as_member}
    assert emails[member.user_id] == "mia@example.org"
    assert emails[org.owner.user_id] is None
    as_owner = (await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/members")).json()["items"]
    assert all(item["email"] for item in as_owner)
