"""The queries of spaces and space membership.

Every query takes the `OrgContext` the authorization layer made and filters by its org;
a space's row comes with whether the caller is in it, so one query answers both. Reads
label their columns with the response schema's field names and answer that schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.authz.org_context import OrgContext, OrgScope
from app.core.pagination import SortKey, oldest_first
from app.core.schemas import Records
from app.orgs.models import Membership
from app.spaces.models import Space, SpaceMembership, Visibility
from app.spaces.schemas import SpaceMemberOut, SpaceOut

SPACES = Records(SpaceOut)
SPACE_MEMBERS = Records(SpaceMemberOut)


def _spaces_of(context: OrgContext) -> Select[*tuple[Any, ...]]:
    """The org's spaces, each with whether the caller is in it."""
    return _spaces_with_membership_of(context.user_id).where(Space.org_id == context.org_id)


def _spaces_with_membership_of(user_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    """Spaces, each with whether the user is in it: callers add the org filter."""
    return select(
        Space.id,
        Space.name,
        Space.description,
        Space.visibility,
        Space.created_at,
        SpaceMembership.id.is_not(None).label("is_member"),
    ).outerjoin(
        SpaceMembership,
        and_(
            SpaceMembership.space_id == Space.id,
            SpaceMembership.user_id == user_id,
        ),
    )


def _visible_in_sql(*also: Any) -> Any:
    """The SQL form of `rules.may_see_space`: not private, or the caller is in it, or `also`
    (the orgs whose private spaces the caller sees)."""
    return or_(Space.visibility != Visibility.PRIVATE, SpaceMembership.id.is_not(None), *also)


async def space(db: AsyncSession, context: OrgContext, space_id: uuid.UUID) -> SpaceOut | None:
    return await SPACES.fetch_one_or_none(db, _spaces_of(context).where(Space.id == space_id))


async def spaces_page(
    db: AsyncSession,
    context: OrgContext,
    *,
    with_all_private: bool,
    after: SortKey | None,
    limit: int,
) -> list[SpaceOut]:
    """The spaces the caller may see: private ones only where they are in it, unless
    `with_all_private` (the SQL form of `rules.may_see_space`)."""
    query = _spaces_of(context)
    if not with_all_private:
        query = query.where(_visible_in_sql())
    key = (Space.created_at, Space.id)
    return await SPACES.fetch_all(db, oldest_first(query, key, after, limit))


async def spaces_of_orgs(
    db: AsyncSession, contexts: Sequence[OrgContext], *, with_all_private: set[uuid.UUID]
) -> dict[uuid.UUID, list[SpaceOut]]:
    """The spaces the caller may see in each org of `contexts` (one caller's contexts),
    oldest first, in one query: private ones only where they are in it, or in the orgs of
    `with_all_private`."""
    if not contexts:
        return {}
    if len({context.user_id for context in contexts}) != 1:
        raise ValueError("the contexts of one caller only")
    org_ids = [context.org_id for context in contexts]
    see_all = [Space.org_id.in_(with_all_private)] if with_all_private else []
    query = (
        _spaces_with_membership_of(contexts[0].user_id)
        .add_columns(Space.org_id)
        .where(Space.org_id.in_(org_ids), _visible_in_sql(*see_all))
        .order_by(Space.created_at, Space.id)
    )
    found: dict[uuid.UUID, list[SpaceOut]] = {org_id: [] for org_id in org_ids}
    rows = (await db.execute(query)).mappings().all()
    for row, space in zip(rows, SPACES.all(rows), strict=True):
        found[row["org_id"]].append(space)
    return found


async def space_model(db: AsyncSession, context: OrgContext, space_id: uuid.UUID) -> Space | None:
    result = await db.execute(
        select(Space).where(Space.id == space_id, Space.org_id == context.org_id)
    )
    return result.scalar_one_or_none()


async def delete_space(db: AsyncSession, context: OrgContext, space_id: uuid.UUID) -> None:
    """Its memberships, posts and comments go with it (foreign keys cascade)."""
    await db.execute(delete(Space).where(Space.id == space_id, Space.org_id == context.org_id))


def _members_of(context: OrgContext, space_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    return (
        select(
            SpaceMembership.id,
            SpaceMembership.space_id,
            SpaceMembership.user_id,
            User.display_name,
            SpaceMembership.added_at,
        )
        .join(User, User.id == SpaceMembership.user_id)
        .where(SpaceMembership.org_id == context.org_id, SpaceMembership.space_id == space_id)
    )


async def space_members_page(
    db: AsyncSession,
    context: OrgContext,
    space_id: uuid.UUID,
    *,
    after: SortKey | None,
    limit: int,
) -> list[SpaceMemberOut]:
    key = (SpaceMembership.added_at, SpaceMembership.id)
    members = oldest_first(_members_of(context, space_id), key, after, limit)
    return await SPACE_MEMBERS.fetch_all(db, members)


async def space_member(
    db: AsyncSession, context: OrgContext, space_id: uuid.UUID, user_id: uuid.UUID
) -> SpaceMemberOut | None:
    query = _members_of(context, space_id).where(SpaceMembership.user_id == user_id)
    return await SPACE_MEMBERS.fetch_one_or_none(db, query)


async def is_org_member(db: AsyncSession, context: OrgContext, user_id: uuid.UUID) -> bool:
    query = select(Membership.id).where(
        Membership.org_id == context.org_id, Membership.user_id == user_id
    )
    return (await db.execute(query)).first() is not None


def add_space(
    db: AsyncSession, context: OrgContext, name: str, description: str | None, visibility: str
) -> uuid.UUID:
    """A space of the context's org, created by the caller; its id."""
    space = Space(
        id=uuid.uuid4(), org_id=context.org_id, name=name, description=description,
        visibility=visibility, created_by=context.user_id,
    )  # fmt: skip
    db.add(space)
    return space.id


def add_member(
    db: AsyncSession, context: OrgContext, space_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    db.add(SpaceMembership(space_id=space_id, org_id=context.org_id, user_id=user_id))


async def remove_member(
    db: AsyncSession, context: OrgContext, space_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    await db.execute(
        delete(SpaceMembership).where(
            SpaceMembership.org_id == context.org_id,
            SpaceMembership.space_id == space_id,
            SpaceMembership.user_id == user_id,
        )
    )


# -- space memberships written on behalf of an org (invites, member removal) --------------


async def spaces_among(
    db: AsyncSession, scope: OrgScope, space_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of `space_ids` are spaces of the scope's org."""
    wanted = set(space_ids)
    if not wanted:
        return set()
    query = select(Space.id).where(Space.org_id == scope.org_id, Space.id.in_(wanted))
    return set((await db.execute(query)).scalars())


async def spaces_joined_among(
    db: AsyncSession, scope: OrgScope, user_id: uuid.UUID, space_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of `space_ids` of the scope's org the user is already in."""
    query = select(SpaceMembership.space_id).where(
        SpaceMembership.org_id == scope.org_id,
        SpaceMembership.user_id == user_id,
        SpaceMembership.space_id.in_(set(space_ids)),
    )
    return set((await db.execute(query)).scalars())


def add_space_memberships(
    db: AsyncSession, scope: OrgScope, user_id: uuid.UUID, space_ids: Iterable[uuid.UUID]
) -> None:
    for space_id in sorted(space_ids):
        db.add(SpaceMembership(space_id=space_id, org_id=scope.org_id, user_id=user_id))


async def delete_space_memberships_of(
    db: AsyncSession, scope: OrgScope, user_id: uuid.UUID
) -> None:
    await db.execute(
        delete(SpaceMembership).where(
            SpaceMembership.org_id == scope.org_id, SpaceMembership.user_id == user_id
        )
    )
