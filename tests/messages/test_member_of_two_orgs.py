"""C10 for someone in two orgs: each org's conversation routes show and touch only that
org's conversations, even to a person who takes part in conversations of both (issue 12).

Alice owns two orgs and Bob is a member of both; each org has a conversation of the two
of them, with a message. Through org A's routes, org B's conversation does not exist.

Over HTTP the participant rule alone already hides the foreign conversation (participation
belongs to a membership, and Bob's membership of org A takes part in nothing of org B), so
the last test asks the repository itself: it must not load another org's conversation
for an org context, whatever the service does with it afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from app.authz import org_context
from app.authz.org_context import OrgContext
from app.authz.permissions import Role
from app.messages import repository
from app.orgs.models import Membership
from tests.support.accounts import Member, mailed_token, verified_member
from tests.support.orgs import create_org, invite
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C10")


@dataclass
class TwoOrgs:
    alice: AsyncClient
    bob: AsyncClient
    bob_id: str
    org_a: str
    org_b: str
    conversation_a: str
    conversation_b: str


async def join(owner: AsyncClient, org_id: str, client: AsyncClient, sink: SmtpSink) -> None:
    await invite(owner, org_id, "bob@example.org")
    token = await mailed_token(sink, "bob@example.org", "invite")
    response = await client.post("/api/v1/invites/accept", json={"token": token})
    assert response.status_code == 200, response.text
    sink.clear()


async def conversation_with(client: AsyncClient, org_id: str, other: Member, text: str) -> str:
    base = f"/api/v1/orgs/{org_id}/conversations"
    opened = await client.post(base, json={"participant_ids": [other.user_id]})
    assert opened.status_code == 201, opened.text
    conversation_id = str(opened.json()["id"])
    sent = await client.post(f"{base}/{conversation_id}/messages", json={"body": text})
    assert sent.status_code == 201, sent.text
    return conversation_id


@pytest.fixture
async def two_orgs(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> TwoOrgs:
    alice, bob = new_client(), new_client()
    await verified_member(alice, smtp_sink, "alice@example.org", name="Alice")
    bob_member = await verified_member(bob, smtp_sink, "bob@example.org", name="Bob")
    org_a = await create_org(alice, "Alpha Circle", "alpha")
    org_b = await create_org(alice, "Beta Circle", "beta")
    for org_id in (org_a, org_b):
        await join(alice, org_id, bob, smtp_sink)
    return TwoOrgs(
        alice=alice,
        bob=bob,
        bob_id=bob_member.user_id,
        org_a=org_a,
        org_b=org_b,
        conversation_a=await conversation_with(alice, org_a, bob_member, "about alpha"),
        conversation_b=await conversation_with(alice, org_b, bob_member, "about beta"),
    )


def conversations_of(org_id: str) -> str:
    return f"/api/v1/orgs/{org_id}/conversations"


@pytest.mark.parametrize("who", ["alice", "bob"])
async def test_each_orgs_list_holds_only_its_own_conversation(two_orgs: TwoOrgs, who: str) -> None:
    client: AsyncClient = getattr(two_orgs, who)
    pairs = [(two_orgs.org_a, two_orgs.conversation_a), (two_orgs.org_b, two_orgs.conversation_b)]
    for org_id, own in pairs:
        listed = (await client.get(conversations_of(org_id))).json()["items"]
        assert [item["id"] for item in listed] == [own]


@pytest.mark.parametrize("who", ["alice", "bob"])
async def test_the_other_orgs_conversation_is_not_found_through_this_orgs_routes(
    two_orgs: TwoOrgs, who: str
) -> None:
    client: AsyncClient = getattr(two_orgs, who)
    foreign = f"{conversations_of(two_orgs.org_a)}/{two_orgs.conversation_b}"

    assert (await client.get(foreign)).status_code == 404
    assert (await client.get(f"{foreign}/messages")).status_code == 404


async def test_no_message_reaches_the_other_orgs_conversation_through_this_orgs_routes(
    two_orgs: TwoOrgs,
) -> None:
    foreign = f"{conversations_of(two_orgs.org_a)}/{two_orgs.conversation_b}/messages"

    response = await two_orgs.bob.post(foreign, json={"body": "crossing over"})

    assert response.status_code == 404
    own = f"{conversations_of(two_orgs.org_b)}/{two_orgs.conversation_b}/messages"
    bodies = [item["body"] for item in (await two_orgs.bob.get(own)).json()["items"]]
    assert bodies == ["about beta"]


async def context_in_org_a(app: FastAPI, two_orgs: TwoOrgs) -> OrgContext:
    """The context the authz layer issues for Bob in org A (the test borrows its seal)."""
    org_id, user_id = uuid.UUID(two_orgs.org_a), uuid.UUID(two_orgs.bob_id)
    async with app.state.database.sessionmaker() as db:
        membership_id = await db.scalar(
            select(Membership.id).where(Membership.org_id == org_id, Membership.user_id == user_id)
        )
    assert membership_id is not None
    return OrgContext(
        org_id=org_id,
        user_id=user_id,
        role=Role.MEMBER,
        membership_id=membership_id,
        payment_active=False,
        _seal=org_context._ISSUED_BY_AUTHZ,
    )


async def test_the_repository_does_not_load_the_other_orgs_conversation(
    app: FastAPI, two_orgs: TwoOrgs
) -> None:
    context = await context_in_org_a(app, two_orgs)
    async with app.state.database.sessionmaker() as db:
        foreign = await repository.conversation(db, context, uuid.UUID(two_orgs.conversation_b))
        own = await repository.conversation(db, context, uuid.UUID(two_orgs.conversation_a))
    assert foreign is None
    assert own is not None
