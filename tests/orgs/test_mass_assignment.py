"""C13: fields such as role, org, author, verified or payment status in a body are refused."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.orgs.conftest import OrgWithOwner, join_as
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C13")


@pytest.mark.parametrize(
    "smuggled",
    [
        {"email_verified": True},
        {"role": "owner"},
        {"id": "00000000-0000-4000-8000-000000000000"},
        {"email": "other@example.org"},
    ],
)
async def test_profile_updates_refuse_fields_beyond_name_and_bio(
    org: OrgWithOwner, smuggled: dict[str, object]
) -> None:
    response = await org.owner_client.patch("/api/v1/me", json={"display_name": "X", **smuggled})
    assert response.status_code == 422
    me = (await org.owner_client.get("/api/v1/me")).json()
    assert me["display_name"] != "X"


@pytest.mark.parametrize("smuggled", [{"role": "admin"}, {"email_verified": True}, {"org_id": "x"}])
async def test_signup_refuses_extra_fields(
    client: AsyncClient, smuggled: dict[str, object]
) -> None:
    response = await client.post(
        "/api/v1/auth/signup",
        json={
            "email": "a@example.org",
            "password": "long enough pass",
            "display_name": "A",
            **smuggled,
        },
    )
    assert response.status_code == 422


async def test_org_creation_refuses_an_owner_field(org: OrgWithOwner) -> None:
    response = await org.owner_client.post(
        "/api/v1/orgs", json={"name": "N", "slug": "n", "owner_id": org.owner.user_id}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "smuggled", [{"payment_status": "active"}, {"user_id": "x"}, {"org_id": "x"}]
)
async def test_a_role_change_takes_nothing_but_the_role(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink, smuggled: dict[str, object]
) -> None:
    member = await join_as(org, client, smtp_sink, "mia@example.org")
    response = await org.owner_client.patch(
        f"/api/v1/orgs/{org.org_id}/members/{member.user_id}",
        json={"role": "moderator", **smuggled},
    )
    assert response.status_code == 422


async def test_an_invite_acceptance_cannot_choose_its_role(
    org: OrgWithOwner, client: AsyncClient
) -> None:
    response = await client.post("/api/v1/invites/accept", json={"token": "x", "role": "owner"})
    assert response.status_code == 422
