"""C04: invite by email, receive the mail, accept as a new or existing account, land right."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from app.core.clock import clock
from app.spaces.models import Space, SpaceMembership
from tests.orgs.conftest import OrgWithOwner, join_as
from tests.support.accounts import DEFAULT_PASSWORD, log_in, mailed_token, verified_member
from tests.support.orgs import invite
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C04")

INVITEE = "ines@example.org"


async def accept_new(client: AsyncClient, token: str, name: str = "Ines") -> int:
    response = await client.post(
        "/api/v1/invites/accept",
        json={"token": token, "password": DEFAULT_PASSWORD, "display_name": name},
    )
    return response.status_code


async def my_role(client: AsyncClient, org_id: str) -> str | None:
    orgs = (await client.get("/api/v1/me/orgs")).json()["items"]
    return next((o["role"] for o in orgs if o["id"] == org_id), None)


async def test_an_invitee_without_an_account_joins_with_the_invited_role(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await invite(org.owner_client, org.org_id, INVITEE, "moderator")
    mail = await smtp_sink.wait_for_mail_to(INVITEE)
    assert "Coaching Circle" in mail.text()
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    assert await accept_new(client, token) == 200
    assert await my_role(client, org.org_id) == "moderator"
    me = (await client.get("/api/v1/me")).json()
    assert me["email"] == INVITEE
    assert me["email_verified"] is True


async def test_an_invitee_with_an_account_joins_after_logging_in(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await verified_member(client, smtp_sink, INVITEE)
    await invite(org.owner_client, org.org_id, INVITEE, "admin")
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    response = await client.post("/api/v1/invites/accept", json={"token": token})
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert await my_role(client, org.org_id) == "admin"


async def test_an_existing_account_must_log_in_rather_than_make_a_second_one(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    await verified_member(new_client(), smtp_sink, INVITEE)
    await invite(org.owner_client, org.org_id, INVITEE)
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    assert await accept_new(new_client(), token) == 409


async def test_the_invite_adds_the_invitee_to_its_spaces(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink, app: FastAPI
) -> None:
    async with app.state.database.sessionmaker() as db:
        space = Space(id=uuid.uuid4(), org_id=uuid.UUID(org.org_id), name="Inner circle",
                      visibility="private")  # fmt: skip
        db.add(space)
        await db.commit()
    await invite(org.owner_client, org.org_id, INVITEE, space_ids=[str(space.id)])
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    assert await accept_new(client, token) == 200
    async with app.state.database.sessionmaker() as db:
        rows = (await db.execute(select(SpaceMembership.user_id))).scalars().all()
    assert len(rows) == 1


async def test_an_invite_works_only_once(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    await invite(org.owner_client, org.org_id, INVITEE)
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    assert await accept_new(new_client(), token) == 200
    assert await accept_new(new_client(), token) == 400


async def test_an_invite_expires_after_seven_days(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await invite(org.owner_client, org.org_id, INVITEE)
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    clock.advance(timedelta(days=7, seconds=1))
    assert await accept_new(client, token) == 400


async def test_a_revoked_invite_cannot_be_accepted(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    made = await invite(org.owner_client, org.org_id, INVITEE)
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    revoked = await org.owner_client.delete(f"/api/v1/orgs/{org.org_id}/invites/{made['id']}")
    assert revoked.status_code == 204
    assert await accept_new(client, token) == 400
    listed = (await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/invites")).json()["items"]
    assert listed == []


async def test_an_invite_works_only_for_the_invited_address(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await invite(org.owner_client, org.org_id, INVITEE)
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    await verified_member(client, smtp_sink, "someone.else@example.org")
    response = await client.post("/api/v1/invites/accept", json={"token": token})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invite_email_mismatch"
    assert await my_role(client, org.org_id) is None


@pytest.mark.checklist("C12")
async def test_no_one_invites_with_a_role_above_their_own(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    admin_client = new_client()
    await join_as(org, admin_client, smtp_sink, "admin@example.org", "admin")
    for role, status in (("owner", 403), ("admin", 201), ("moderator", 201)):
        response = await admin_client.post(
            f"/api/v1/orgs/{org.org_id}/invites",
            json={"email": f"{role}.x@example.org", "role": role},
        )
        assert response.status_code == status, role


async def test_the_preview_shows_only_the_org_name_and_the_inviters_name(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await invite(org.owner_client, org.org_id, INVITEE)
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    response = await client.post("/api/v1/invites/preview", json={"token": token})
    assert response.status_code == 200
    assert response.json() == {"org_name": "Coaching Circle", "inviter_name": "Olga Owner"}


async def test_previewing_does_not_use_up_the_invite(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await invite(org.owner_client, org.org_id, INVITEE)
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    await client.post("/api/v1/invites/preview", json={"token": token})
    assert await accept_new(client, token) == 200


async def test_a_newer_invite_to_the_same_address_replaces_the_older(
    org: OrgWithOwner, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await invite(org.owner_client, org.org_id, INVITEE, "member")
    first = await mailed_token(smtp_sink, INVITEE, "invite")
    smtp_sink.clear()
    await invite(org.owner_client, org.org_id, INVITEE, "moderator")
    second = await mailed_token(smtp_sink, INVITEE, "invite")
    assert await accept_new(client, first) == 400
    assert await accept_new(client, second) == 200


async def test_a_new_account_made_by_invite_can_log_in_with_its_password(
    org: OrgWithOwner,
    client: AsyncClient,
    new_client: Callable[..., AsyncClient],
    smtp_sink: SmtpSink,
) -> None:
    await invite(org.owner_client, org.org_id, INVITEE)
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    assert await accept_new(client, token) == 200
    assert (await log_in(new_client(), INVITEE)).status_code == 200


async def test_inviting_a_current_member_is_a_conflict(
    org: OrgWithOwner, smtp_sink: SmtpSink
) -> None:
    response = await org.owner_client.post(
        f"/api/v1/orgs/{org.org_id}/invites", json={"email": org.owner.email, "role": "member"}
    )
    assert response.status_code == 409
