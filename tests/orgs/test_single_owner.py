"""C12: the owner cannot make anyone else owner by a role change; an org keeps exactly one
owner, and ownership moves only by a transfer (issue 12)."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.orgs.conftest import OrgWithOwner, join_as
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C12")


async def owners_of(org: OrgWithOwner) -> list[str]:
    response = await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/members")
    assert response.status_code == 200, response.text
    return [item["user_id"] for item in response.json()["items"] if item["role"] == "owner"]


async def test_the_owner_cannot_make_a_member_a_second_owner_by_a_role_change(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    member = await join_as(org, client, smtp_sink, "mia@example.org")

    response = await org.owner_client.patch(
        f"/api/v1/orgs/{org.org_id}/members/{member.user_id}", json={"role": "owner"}
    )

    assert response.status_code == 403, response.text
    assert await owners_of(org) == [org.owner.user_id]


async def test_the_owner_cannot_make_an_admin_a_second_owner_by_a_role_change(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    admin = await join_as(org, client, smtp_sink, "adam@example.org", "admin")

    response = await org.owner_client.patch(
        f"/api/v1/orgs/{org.org_id}/members/{admin.user_id}", json={"role": "owner"}
    )

    assert response.status_code == 403, response.text
    assert await owners_of(org) == [org.owner.user_id]
