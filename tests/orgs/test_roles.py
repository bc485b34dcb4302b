"""C12: members cannot call admin routes, no one grants above their own role, the owner
changes only by transfer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from httpx import AsyncClient

from tests.orgs.conftest import OrgWithOwner, join_as
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C12")


async def role_of(org: OrgWithOwner, user_id: str) -> str:
    response = await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/members/{user_id}")
    return str(response.json()["role"])


async def set_role(client: AsyncClient, org: OrgWithOwner, user_id: str, role: str) -> int:
    response = await client.patch(
        f"/api/v1/orgs/{org.org_id}/members/{user_id}", json={"role": role}
    )
    return response.status_code


async def test_a_member_cannot_make_themself_admin(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    member = await join_as(org, client, smtp_sink, "mia@example.org")
    assert await set_role(client, org, member.user_id, "admin") == 403
    assert await role_of(org, member.user_id) == "member"


async def test_an_admin_cannot_make_anyone_owner(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    admin_client = new_client()
    admin = await join_as(org, admin_client, smtp_sink, "adam@example.org", "admin")
    member = await join_as(org, new_client(), smtp_sink, "mia@example.org")
    assert await set_role(admin_client, org, admin.user_id, "owner") == 403
    assert await set_role(admin_client, org, member.user_id, "owner") == 403
    assert await role_of(org, member.user_id) == "member"


async def test_an_admin_cannot_demote_the_owner(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await join_as(org, client, smtp_sink, "adam@example.org", "admin")
    assert await set_role(client, org, org.owner.user_id, "member") == 403
    assert await role_of(org, org.owner.user_id) == "owner"


async def test_the_owner_cannot_demote_themself_outside_a_transfer(
    org: OrgWithOwner,
) -> None:
    assert await set_role(org.owner_client, org, org.owner.user_id, "admin") == 403
    assert await role_of(org, org.owner.user_id) == "owner"


async def test_an_admin_cannot_change_another_admin(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    first = new_client()
    await join_as(org, first, smtp_sink, "adam@example.org", "admin")
    second = await join_as(org, new_client(), smtp_sink, "ada@example.org", "admin")
    assert await set_role(first, org, second.user_id, "member") == 403


async def test_an_admin_grants_up_to_their_own_role(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    admin_client = new_client()
    await join_as(org, admin_client, smtp_sink, "adam@example.org", "admin")
    member = await join_as(org, new_client(), smtp_sink, "mia@example.org")
    assert await set_role(admin_client, org, member.user_id, "moderator") == 200
    assert await set_role(admin_client, org, member.user_id, "admin") == 200
    assert await role_of(org, member.user_id) == "admin"


async def test_a_moderator_cannot_call_admin_routes(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await join_as(org, client, smtp_sink, "mod@example.org", "moderator")
    base = f"/api/v1/orgs/{org.org_id}"
    assert (await client.patch(base, json={"name": "Mine now"})).status_code == 403
    assert (await client.get(f"{base}/audit-log")).status_code == 403
    assert (await client.get(f"{base}/invites")).status_code == 403


async def test_the_owner_cannot_be_removed(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await join_as(org, client, smtp_sink, "adam@example.org", "admin")
    url = f"/api/v1/orgs/{org.org_id}/members/{org.owner.user_id}"
    assert (await client.delete(url)).status_code == 403
    assert (await org.owner_client.delete(url)).status_code == 403  # not by leaving either
    assert await role_of(org, org.owner.user_id) == "owner"


async def test_ownership_moves_only_by_transfer_and_the_old_owner_stays_admin(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    heir = await join_as(org, client, smtp_sink, "heir@example.org")
    response = await org.owner_client.post(
        f"/api/v1/orgs/{org.org_id}/transfer-ownership", json={"user_id": heir.user_id}
    )
    assert response.status_code == 204
    assert await role_of(org, heir.user_id) == "owner"
    assert await role_of(org, org.owner.user_id) == "admin"


async def test_only_the_owner_transfers_ownership(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    admin_client = new_client()
    admin = await join_as(org, admin_client, smtp_sink, "adam@example.org", "admin")
    response = await admin_client.post(
        f"/api/v1/orgs/{org.org_id}/transfer-ownership", json={"user_id": admin.user_id}
    )
    assert response.status_code == 403


async def test_a_member_may_leave(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    member = await join_as(org, client, smtp_sink, "mia@example.org")
    response = await client.delete(f"/api/v1/orgs/{org.org_id}/members/{member.user_id}")
    assert response.status_code == 204
    assert (await client.get(f"/api/v1/orgs/{org.org_id}")).status_code == 404


async def test_a_member_cannot_remove_another_member(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    first = new_client()
    await join_as(org, first, smtp_sink, "mia@example.org")
    other = await join_as(org, new_client(), smtp_sink, "max@example.org")
    response = await first.delete(f"/api/v1/orgs/{org.org_id}/members/{other.user_id}")
    assert response.status_code == 403


async def test_refused_admin_actions_land_in_the_audit_log(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    member = await join_as(org, client, smtp_sink, "mia@example.org")
    await set_role(client, org, member.user_id, "admin")
    log = (await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/audit-log")).json()["items"]
    denied = [event for event in log if event["action"] == "authz.denied"]
    assert denied and denied[0]["actor_user_id"] == member.user_id
    assert denied[0]["request_id"]
