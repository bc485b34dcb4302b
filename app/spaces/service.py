"""Space rules. (This file is grown by the spaces work; the org and invite flows use
the membership functions below.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz.org_context import OrgContext
from app.spaces.models import Space, SpaceMembership


async def spaces_in_org(
    db: AsyncSession, org_id: uuid.UUID, space_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of `space_ids` are spaces of this org (the others are foreign: 404)."""
    wanted = set(space_ids)
    if not wanted:
        return set()
    result = await db.execute(select(Space.id).where(Space.org_id == org_id, Space.id.in_(wanted)))
    return set(result.scalars())


async def add_to_spaces(
    db: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, space_ids: Iterable[uuid.UUID]
) -> None:
    """Add the user to those of `space_ids` that belong to the org and they are not in yet."""
    valid = await spaces_in_org(db, org_id, space_ids)
    already = set(
        (
            await db.execute(
                select(SpaceMembership.space_id).where(
                    SpaceMembership.user_id == user_id, SpaceMembership.space_id.in_(valid)
                )
            )
        ).scalars()
    )
    for space_id in sorted(valid - already):
        db.add(SpaceMembership(space_id=space_id, org_id=org_id, user_id=user_id))


async def remove_from_all_spaces(db: AsyncSession, context: OrgContext, user_id: uuid.UUID) -> None:
    await db.execute(
        delete(SpaceMembership).where(
            SpaceMembership.org_id == context.org_id, SpaceMembership.user_id == user_id
        )
    )
