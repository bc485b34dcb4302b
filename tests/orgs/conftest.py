"""An org with an owner, for the org tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from httpx import AsyncClient

from tests.support.accounts import Member, mailed_token, verified_member
from tests.support.orgs import create_org, invite
from tests.support.smtp_sink import SmtpSink


@dataclass
class OrgWithOwner:
    org_id: str
    owner: Member
    owner_client: AsyncClient


@pytest.fixture
async def org(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> OrgWithOwner:
    owner_client = new_client()
    owner = await verified_member(owner_client, smtp_sink, "owner@example.org", name="Olga Owner")
    org_id = await create_org(owner_client)
    return OrgWithOwner(org_id=org_id, owner=owner, owner_client=owner_client)


async def join_as(
    org: OrgWithOwner,
    client: AsyncClient,
    sink: SmtpSink,
    email: str,
    role: str = "member",
) -> Member:
    """A new verified account that joins `org` with `role` through an invite."""
    member = await verified_member(client, sink, email)
    await invite(org.owner_client, org.org_id, email, role)
    token = await mailed_token(sink, email, "invite")
    response = await client.post("/api/v1/invites/accept", json={"token": token})
    assert response.status_code == 200, response.text
    return member
