"""The org context: proof, issued only here, that the caller is a member of one org.

Repositories of org data take an `OrgContext` and filter by its `org_id`, so no org
query can be written without it. The context is made by the org route policies
below, after loading the caller's membership of the org in the path: not a member
(or no such org) is 404, a member lacking the route's permission is 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.sessions import AuthenticatedUser
from app.audit.service import record_event
from app.authz.caller import MaybeUser
from app.authz.marks import route_policy
from app.authz.permissions import Permission, Role, role_may
from app.core.dependencies import DbSession, Meta
from app.core.errors import Forbidden, NotAuthenticated, NotFound
from app.orgs.models import Membership

_ISSUED_BY_AUTHZ = object()


@dataclass(frozen=True)
class OrgContext:
    org_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    membership_id: uuid.UUID
    payment_active: bool
    _seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._seal is not _ISSUED_BY_AUTHZ:
            raise TypeError("an OrgContext is issued by app.authz only")

    def may(self, permission: Permission) -> bool:
        return role_may(self.role, permission)


async def _membership_context(
    db: AsyncSession, org_id: uuid.UUID, user: AuthenticatedUser
) -> OrgContext | None:
    result = await db.execute(
        select(Membership.id, Membership.role, Membership.payment_status).where(
            Membership.org_id == org_id, Membership.user_id == user.id
        )
    )
    row = result.one_or_none()
    if row is None:
        return None
    return OrgContext(
        org_id=org_id,
        user_id=user.id,
        role=Role(row.role),
        membership_id=row.id,
        payment_active=row.payment_status == "active",
        _seal=_ISSUED_BY_AUTHZ,
    )


OrgPolicy = Callable[..., Coroutine[Any, Any, OrgContext]]


@cache
def org_policy(permission: Permission) -> OrgPolicy:
    """The route policy 'member of the org in the path, with `permission`'."""

    @route_policy(f"org:{permission}")
    async def require_org_permission(
        org_id: uuid.UUID, caller: MaybeUser, db: DbSession, meta: Meta
    ) -> OrgContext:
        if caller is None:
            raise NotAuthenticated()
        context = await _membership_context(db, org_id, caller)
        if context is None:
            raise NotFound()
        if not context.may(permission):
            await record_denial(db, context, meta, str(permission))
            raise Forbidden()
        return context

    return require_org_permission


async def record_denial(db: AsyncSession, context: OrgContext, meta: Any, attempted: str) -> None:
    """A refused admin action is a security event of the org (its audit log shows it)."""
    await db.rollback()
    record_event(
        db,
        "authz.denied",
        meta,
        org_id=context.org_id,
        actor_user_id=context.user_id,
        details={"attempted": attempted, "role": str(context.role)},
    )
    await db.commit()
