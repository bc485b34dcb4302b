"""Rows seeded in bulk straight through the models, for the page lists' paging tests:
each seeded row is a second newer than the last, so the lists' order is known."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.authz.permissions import Role
from app.core.clock import now
from app.orgs.models import Invite, Membership
from app.spaces.models import Space
from tests.support.world import World, shared_password_hash

Seeder = Callable[[AsyncSession, World, uuid.UUID, datetime], None]


def seeded_member(db: AsyncSession, world: World, org_id: uuid.UUID, at: datetime) -> None:
    user_id = uuid.uuid4()
    db.add(
        User(
            id=user_id, email=f"seeded.member.{user_id.hex[:12]}@example.org",
            password_hash=shared_password_hash(), display_name=f"Seeded member {user_id.hex[:12]}",
            email_verified_at=at,
        )
    )  # fmt: skip
    db.add(Membership(org_id=org_id, user_id=user_id, role=Role.MEMBER, joined_at=at))


def seeded_invite(db: AsyncSession, world: World, org_id: uuid.UUID, at: datetime) -> None:
    db.add(
        Invite(
            org_id=org_id, email=f"seeded.invite.{uuid.uuid4().hex[:12]}@example.org",
            role=Role.MEMBER, space_ids=[], invited_by=world.people["owner"].user_id,
            created_at=at, expires_at=at + timedelta(days=7),
        )
    )  # fmt: skip


def seeded_space(db: AsyncSession, world: World, org_id: uuid.UUID, at: datetime) -> None:
    db.add(Space(org_id=org_id, name=f"Seeded space {uuid.uuid4().hex[:12]}", created_at=at))


def seeded_event(db: AsyncSession, world: World, org_id: uuid.UUID, at: datetime) -> None:
    db.add(
        AuditEvent(
            org_id=org_id, action="member.role_changed", created_at=at,
            actor_user_id=world.people["owner"].user_id,
            target_user_id=world.people["target"].user_id,
            details={"seeded": uuid.uuid4().hex[:12]},
        )
    )  # fmt: skip


async def seed_rows(app: FastAPI, world: World, seeder: Seeder, count: int) -> None:
    """`count` rows of one kind in org A, each a second after the previous one."""
    org_id, start = uuid.UUID(world.refs["org_id"]), now() + timedelta(seconds=1)
    async with app.state.database.sessionmaker() as db:
        for index in range(count):
            seeder(db, world, org_id, start + timedelta(seconds=index))
            await db.flush()
        await db.commit()
