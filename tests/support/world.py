"""A seeded world for authorization tests: two orgs, a person in every role, their objects.

Rows are written straight through the models (fast: one shared password hash, sessions
made directly), then every request goes through HTTP like a real client's.

    org A: owner, admin, moderator, member, target (a plain member to act upon)
    org B: other_org_owner, other_org_member (the outsiders acting on org A)

`refs` maps placeholder names (used in paths and bodies as "{name}") to IDs; other
packages add their objects to it in `seed_world`'s extension hooks.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User, UserSession
from app.authz.permissions import Role
from app.core.clock import now
from app.core.security import csrf_token_for, new_session_token, token_hash
from app.core.settings import Settings
from app.core.signing import timed_serializer
from app.orgs.invites import INVITE_PURPOSE
from app.orgs.models import Invite, Membership, Org

PASSWORD = "the shared test passphrase"
CALLERS = (
    "anonymous",
    "member",
    "moderator",
    "admin",
    "owner",
    "other_org_member",
    "other_org_owner",
)


@lru_cache(maxsize=1)
def shared_password_hash() -> str:
    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)


@dataclass
class Person:
    name: str
    user_id: uuid.UUID
    email: str
    session_token: str
    session_id: uuid.UUID


@dataclass
class World:
    settings: Settings
    people: dict[str, Person] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)

    def client_for(self, app: object, caller: str) -> AsyncClient:
        client = AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver")  # type: ignore[arg-type]
        person = self.people.get(caller)
        if person is not None:
            client.cookies.set(self.settings.session_cookie_name, person.session_token)
            client.headers["X-CSRF-Token"] = csrf_token_for(
                person.session_token, self.settings.signing_key()
            )
        return client

    def fill(self, text: str) -> str:
        for name, value in self.refs.items():
            text = text.replace("{" + name + "}", value)
        return text


WorldExtension = Callable[[AsyncSession, World], Awaitable[None]]
EXTENSIONS: list[WorldExtension] = []


def _person(db: AsyncSession, name: str) -> Person:
    user_id = uuid.uuid4()
    email = f"{name.replace('_', '.')}@example.org"
    db.add(
        User(
            id=user_id,
            email=email,
            password_hash=shared_password_hash(),
            display_name=name.replace("_", " ").title(),
            email_verified_at=now(),
        )
    )
    token = new_session_token()
    session_id = uuid.uuid4()
    db.add(
        UserSession(
            id=session_id,
            token_hash=token_hash(token),
            user_id=user_id,
            expires_at=now() + timedelta(days=1),
        )
    )
    return Person(name, user_id, email, token, session_id)


async def seed_world(db: AsyncSession, settings: Settings) -> World:
    world = World(settings=settings)
    org_a = Org(id=uuid.uuid4(), name="Org A", slug="org-a")
    org_b = Org(id=uuid.uuid4(), name="Org B", slug="org-b")
    db.add_all([org_a, org_b])
    memberships = {
        "owner": (org_a, Role.OWNER),
        "admin": (org_a, Role.ADMIN),
        "moderator": (org_a, Role.MODERATOR),
        "member": (org_a, Role.MEMBER),
        "target": (org_a, Role.MEMBER),
        "other_org_owner": (org_b, Role.OWNER),
        "other_org_member": (org_b, Role.MEMBER),
    }
    for name in memberships:
        world.people[name] = _person(db, name)
    await db.flush()
    for name, (org, role) in memberships.items():
        db.add(Membership(org_id=org.id, user_id=world.people[name].user_id, role=role))
    invite_a = _invite(org_a, world.people["owner"].user_id, "invitee@example.org")
    invite_b = _invite(org_b, world.people["other_org_owner"].user_id, "invitee.b@example.org")
    db.add_all([invite_a, invite_b])
    await db.flush()
    serializer = timed_serializer(settings.signing_key(), INVITE_PURPOSE)
    world.refs.update(
        org_id=str(org_a.id),
        other_org_id=str(org_b.id),
        target_user_id=str(world.people["target"].user_id),
        owner_user_id=str(world.people["owner"].user_id),
        other_org_member_user_id=str(world.people["other_org_member"].user_id),
        member_session_id=str(world.people["member"].session_id),
        invite_id=str(invite_a.id),
        other_org_invite_id=str(invite_b.id),
        invite_token=str(serializer.dumps(str(invite_a.id))),
    )
    for extend in EXTENSIONS:
        await extend(db, world)
    await db.commit()
    return world


def _invite(org: Org, inviter: uuid.UUID, email: str) -> Invite:
    return Invite(
        id=uuid.uuid4(),
        org_id=org.id,
        email=email,
        role=Role.MEMBER,
        space_ids=[],
        invited_by=inviter,
        expires_at=now() + timedelta(days=7),
    )
