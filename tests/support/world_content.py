"""The seeded world's spaces, posts, comments, conversations and blocks (see world.py).

    org A: open space (member, target in it), private space (member, target),
           paid space (nobody in it; nobody in org A has an active payment)
           member's published post and draft in the open space, a comment on the
           post by member and one by target, member's post in the private space,
           admin's post in the paid space
           conversation of member and target (with a message); conversation of member
           and moderator, whom member has blocked
    org B: an open space with a post and a comment by other_org_member, and a
           conversation of other_org_member and other_org_owner

Importing this module adds the extension to `seed_world`. Below it, the helpers the
behaviour tests in tests/spaces, tests/posts and tests/messages share.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.settings import Settings
from app.messages.models import Block, Conversation, ConversationParticipant, Message
from app.messages.service import participant_key
from app.orgs.models import Membership, PaymentStatus
from app.posts.models import Comment, Post, PostStatus
from app.spaces.models import Space, SpaceMembership, Visibility
from tests.support.world import EXTENSIONS, World, seed_world


class _Seeder:
    def __init__(self, db: AsyncSession, world: World) -> None:
        self.db = db
        self.world = world
        self.memberships: dict[uuid.UUID, uuid.UUID] = {}

    def user(self, name: str) -> uuid.UUID:
        return self.world.people[name].user_id

    async def load_memberships(self) -> None:
        rows = await self.db.execute(select(Membership.user_id, Membership.id))
        self.memberships = {user_id: membership_id for user_id, membership_id in rows.all()}

    def space(self, org_id: uuid.UUID, visibility: Visibility, members: list[str]) -> uuid.UUID:
        space_id = uuid.uuid4()
        self.db.add(
            Space(id=space_id, org_id=org_id, name=f"A {visibility} space", visibility=visibility)
        )
        for name in members:
            self.db.add(SpaceMembership(space_id=space_id, org_id=org_id, user_id=self.user(name)))
        return space_id

    def post(
        self, org_id: uuid.UUID, space_id: uuid.UUID, author: str, status: PostStatus
    ) -> uuid.UUID:
        post_id = uuid.uuid4()
        self.db.add(
            Post(
                id=post_id, org_id=org_id, space_id=space_id, author_id=self.user(author),
                title=f"{author}'s {status} post", body="Hello there.", status=status,
            )
        )  # fmt: skip
        return post_id

    def comment(self, org_id: uuid.UUID, post_id: uuid.UUID, author: str) -> uuid.UUID:
        comment_id = uuid.uuid4()
        self.db.add(
            Comment(
                id=comment_id, org_id=org_id, post_id=post_id, author_id=self.user(author),
                body="Well said.",
            )
        )  # fmt: skip
        return comment_id

    def conversation(self, org_id: uuid.UUID, names: list[str]) -> uuid.UUID:
        conversation_id = uuid.uuid4()
        memberships = {self.user(name): self.memberships[self.user(name)] for name in names}
        key = participant_key(memberships.values())
        self.db.add(Conversation(id=conversation_id, org_id=org_id, participant_key=key))
        for user_id, membership_id in memberships.items():
            self.db.add(
                ConversationParticipant(
                    org_id=org_id, conversation_id=conversation_id,
                    user_id=user_id, membership_id=membership_id,
                )
            )  # fmt: skip
        return conversation_id


async def seed_content(db: AsyncSession, world: World) -> None:
    seed = _Seeder(db, world)
    await seed.load_memberships()
    org_a = uuid.UUID(world.refs["org_id"])
    org_b = uuid.UUID(world.refs["other_org_id"])

    open_space = seed.space(org_a, Visibility.OPEN, ["member", "target"])
    private_space = seed.space(org_a, Visibility.PRIVATE, ["member", "target"])
    paid_space = seed.space(org_a, Visibility.PAID, [])
    other_space = seed.space(org_b, Visibility.OPEN, ["other_org_member"])
    await db.flush()

    post = seed.post(org_a, open_space, "member", PostStatus.PUBLISHED)
    draft = seed.post(org_a, open_space, "member", PostStatus.DRAFT)
    private_post = seed.post(org_a, private_space, "member", PostStatus.PUBLISHED)
    paid_post = seed.post(org_a, paid_space, "admin", PostStatus.PUBLISHED)
    other_post = seed.post(org_b, other_space, "other_org_member", PostStatus.PUBLISHED)
    await db.flush()

    conversation = seed.conversation(org_a, ["member", "target"])
    blocked_conversation = seed.conversation(org_a, ["member", "moderator"])
    other_conversation = seed.conversation(org_b, ["other_org_member", "other_org_owner"])
    await db.flush()
    db.add(
        Message(
            org_id=org_a, conversation_id=conversation, sender_id=seed.user("target"), body="Hi!"
        )
    )
    db.add(Block(org_id=org_a, blocker_id=seed.user("member"), blocked_id=seed.user("moderator")))

    world.refs.update(
        member_user_id=str(seed.user("member")),
        moderator_user_id=str(seed.user("moderator")),
        open_space_id=str(open_space),
        private_space_id=str(private_space),
        paid_space_id=str(paid_space),
        other_org_space_id=str(other_space),
        post_id=str(post),
        draft_post_id=str(draft),
        private_post_id=str(private_post),
        paid_post_id=str(paid_post),
        other_org_post_id=str(other_post),
        comment_id=str(seed.comment(org_a, post, "member")),
        target_comment_id=str(seed.comment(org_a, post, "target")),
        other_org_comment_id=str(seed.comment(org_b, other_post, "other_org_member")),
        conversation_id=str(conversation),
        blocked_conversation_id=str(blocked_conversation),
        other_org_conversation_id=str(other_conversation),
    )
    await db.flush()


EXTENSIONS.append(seed_content)


# -- helpers for the behaviour tests of spaces, posts and messages ------------------------


async def seeded_world(app: FastAPI, settings: Settings) -> World:
    async with app.state.database.sessionmaker() as db:
        return await seed_world(db, settings)


class Callers:
    """One HTTP client per person of the world, logged in as them: `callers("member")`."""

    def __init__(self, app: FastAPI, world: World) -> None:
        self.app = app
        self.world = world
        self._clients: dict[str, AsyncClient] = {}

    def __call__(self, name: str) -> AsyncClient:
        if name not in self._clients:
            self._clients[name] = self.world.client_for(self.app, name)
        return self._clients[name]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()


def org_path(world: World, org: str = "org_id") -> str:
    """`/api/v1/orgs/{id}` of org A (or of org B with `org="other_org_id"`)."""
    return f"/api/v1/orgs/{world.refs[org]}"


async def set_payment(app: FastAPI, world: World, name: str, status: PaymentStatus) -> None:
    """What the billing webhook will do: set a member's payment status."""
    async with app.state.database.sessionmaker() as db:
        await db.execute(
            update(Membership)
            .where(Membership.user_id == world.people[name].user_id)
            .values(payment_status=status)
        )
        await db.commit()


@pytest.fixture
async def world(app: FastAPI, settings: Settings) -> World:
    """A freshly seeded world (the tables are emptied after each test)."""
    return await seeded_world(app, settings)


@pytest.fixture
async def callers(app: FastAPI, world: World) -> AsyncIterator[Callers]:
    made = Callers(app, world)
    yield made
    await made.close()
