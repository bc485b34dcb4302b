"""The queries of orgs, memberships, invites and the org audit log.

Every query of one org's data takes the `OrgContext` the authorization layer made
and filters by its org, so a handler cannot reach another org's rows.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.authz.org_context import OrgContext, OrgScope
from app.authz.permissions import Role
from app.core.clock import now
from app.core.pagination import SortKey, newest_first, oldest_first
from app.core.schemas import Records
from app.orgs.models import Invite, Membership, Org
from app.orgs.schemas import MemberOut

MEMBERS = Records(MemberOut)


def _members_of(context: OrgContext) -> Select[*tuple[Any, ...]]:
    """The org's members as `MemberOut`, each with their email: the service decides who
    sees it."""
    return (
        select(
            Membership.id,
            Membership.user_id,
            Membership.role,
            User.display_name,
            User.email,
            Membership.joined_at,
        )
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == context.org_id)
    )


async def org_of(db: AsyncSession, context: OrgContext) -> Org | None:
    return await db.get(Org, context.org_id)


async def slug_is_taken(db: AsyncSession, slug: str) -> bool:
    return (await db.execute(select(Org.id).where(Org.slug == slug))).first() is not None


async def member(db: AsyncSession, context: OrgContext, user_id: uuid.UUID) -> MemberOut | None:
    query = _members_of(context).where(Membership.user_id == user_id)
    return await MEMBERS.fetch_one_or_none(db, query)


async def members_page(
    db: AsyncSession,
    context: OrgContext,
    *,
    after: SortKey | None,
    limit: int,
) -> list[MemberOut]:
    key = (Membership.joined_at, Membership.id)
    return await MEMBERS.fetch_all(db, oldest_first(_members_of(context), key, after, limit))


async def set_role(db: AsyncSession, context: OrgContext, user_id: uuid.UUID, role: str) -> None:
    await db.execute(
        update(Membership)
        .where(Membership.org_id == context.org_id, Membership.user_id == user_id)
        .values(role=role)
    )


async def remove_member(db: AsyncSession, context: OrgContext, user_id: uuid.UUID) -> None:
    await db.execute(
        delete(Membership).where(Membership.org_id == context.org_id, Membership.user_id == user_id)
    )


async def orgs_of_user(db: AsyncSession, user_id: uuid.UUID) -> list[tuple[Org, str]]:
    """The caller's own orgs (no org context: this is the list the contexts come from)."""
    result = await db.execute(
        select(Org, Membership.role)
        .join(Membership, Membership.org_id == Org.id)
        .where(Membership.user_id == user_id)
        .order_by(Org.name, Org.id)
    )
    return [(org, role) for org, role in result.all()]


async def membership_of_user(
    db: AsyncSession, scope: OrgScope, user_id: uuid.UUID
) -> Membership | None:
    """For invite acceptance, before the user has an org context of their own."""
    result = await db.execute(
        select(Membership).where(Membership.org_id == scope.org_id, Membership.user_id == user_id)
    )
    return result.scalar_one_or_none()


def add_membership(db: AsyncSession, scope: OrgScope, user_id: uuid.UUID, role: Role) -> None:
    db.add(Membership(org_id=scope.org_id, user_id=user_id, role=role))


# -- invites ----------------------------------------------------------------------------


def add_invite(
    db: AsyncSession,
    context: OrgContext,
    email: str,
    role: Role,
    space_ids: list[uuid.UUID],
    expires_at: datetime,
) -> Invite:
    """An invite from the caller into the context's org (each space named once)."""
    invite = Invite(
        id=uuid.uuid4(),
        org_id=context.org_id,
        email=email,
        role=role,
        space_ids=[str(space_id) for space_id in dict.fromkeys(space_ids)],
        invited_by=context.user_id,
        expires_at=expires_at,
    )
    db.add(invite)
    return invite


async def invite(db: AsyncSession, context: OrgContext, invite_id: uuid.UUID) -> Invite | None:
    result = await db.execute(
        select(Invite).where(Invite.id == invite_id, Invite.org_id == context.org_id)
    )
    return result.scalar_one_or_none()


async def pending_invites_page(
    db: AsyncSession,
    context: OrgContext,
    *,
    after: SortKey | None,
    limit: int,
) -> list[Invite]:
    query = oldest_first(
        select(Invite).where(
            Invite.org_id == context.org_id,
            Invite.accepted_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now(),
        ),
        (Invite.created_at, Invite.id),
        after,
        limit,
    )
    return list((await db.execute(query)).scalars())


async def revoke_pending_invites_for(db: AsyncSession, context: OrgContext, email: str) -> None:
    await db.execute(
        update(Invite)
        .where(
            Invite.org_id == context.org_id,
            Invite.email == email,
            Invite.accepted_at.is_(None),
            Invite.revoked_at.is_(None),
        )
        .values(revoked_at=now())
    )


async def invite_by_id(db: AsyncSession, invite_id: uuid.UUID) -> Invite | None:
    """For the token-bearer (preview, accept): the signed token names the invite."""
    return await db.get(Invite, invite_id)


async def mark_invite_accepted(db: AsyncSession, invite_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Single use: only one acceptance can flip a pending invite."""
    moment = now()
    result = await db.execute(
        update(Invite)
        .where(
            Invite.id == invite_id,
            Invite.accepted_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > moment,
        )
        .values(accepted_at=moment, accepted_by=user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# -- audit log --------------------------------------------------------------------------


async def audit_page(
    db: AsyncSession,
    context: OrgContext,
    *,
    before: SortKey | None,
    limit: int,
) -> list[AuditEvent]:
    query = newest_first(
        select(AuditEvent).where(AuditEvent.org_id == context.org_id),
        (AuditEvent.created_at, AuditEvent.id),
        before,
        limit,
    )
    return list((await db.execute(query)).scalars())


async def people_of_events(
    db: AsyncSession, context: OrgContext, event_ids: list[uuid.UUID]
) -> list[tuple[uuid.UUID, str, str]]:
    """ID, display name and email of whoever acted in, or was acted upon by, these
    events of this org (former members included: the log outlives their membership)."""
    if not event_ids:
        return []
    query = (
        select(User.id, User.display_name, User.email)
        .distinct()
        .join(
            AuditEvent,
            or_(AuditEvent.actor_user_id == User.id, AuditEvent.target_user_id == User.id),
        )
        .where(AuditEvent.id.in_(event_ids), AuditEvent.org_id == context.org_id)
    )
    return [(row[0], str(row[1]), str(row[2])) for row in (await db.execute(query)).all()]


async def members_by_email(db: AsyncSession, context: OrgContext, email: str) -> list[MemberOut]:
    return await MEMBERS.fetch_all(db, _members_of(context).where(User.email == email))


async def invite_names(db: AsyncSession, invite: Invite) -> tuple[str, str]:
    """The org's name and the inviter's display name: all a preview shows."""
    result = await db.execute(
        select(Org.name, User.display_name)
        .select_from(Invite)
        .join(Org, Org.id == Invite.org_id)
        .join(User, User.id == Invite.invited_by)
        .where(Invite.id == invite.id)
    )
    row = result.one()
    return str(row[0]), str(row[1])
