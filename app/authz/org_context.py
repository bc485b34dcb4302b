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

from fastapi import Request
from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import UserSession
from app.accounts.repository import SESSION_COLUMNS, session_query
from app.accounts.sessions import AuthenticatedUser, live_session
from app.audit.service import record_event
from app.authz.caller import check_csrf, session_token_of
from app.authz.marks import route_policy
from app.authz.permissions import Permission, Role, role_may
from app.core.dependencies import DbSession, request_meta_of, settings_of
from app.core.errors import Forbidden, NotAuthenticated, NotFound
from app.core.security import token_hash
from app.core.settings import Settings
from app.orgs.models import Invite, Membership, grants_paid_access

_ISSUED_BY_AUTHZ = object()


@dataclass(frozen=True)
class OrgScope:
    """An org whose rows the holder may touch: repositories filter and write by it.

    Only this module makes one: from a caller's membership (`OrgContext.scope`), for the
    owner of an org being created, and for the bearer of an invite once its signed
    token has been checked and the invite marked accepted (the token is the proof).
    """

    org_id: uuid.UUID
    _seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._seal is not _ISSUED_BY_AUTHZ:
            raise TypeError("an OrgScope is issued by app.authz only")


def scope_of_new_org(org_id: uuid.UUID) -> OrgScope:
    """The org being created in this transaction, for writing its owner's membership."""
    return OrgScope(org_id, _seal=_ISSUED_BY_AUTHZ)


def scope_of_accepted_invite(invite: Invite) -> OrgScope:
    """The invite's org, for the bearer whose invite token was verified and is now spent."""
    if invite.accepted_at is None:
        raise TypeError("an invite's scope is issued only once it is accepted")
    return OrgScope(invite.org_id, _seal=_ISSUED_BY_AUTHZ)


def scope_of_signed_payment_event(org_id: uuid.UUID) -> OrgScope:
    """The org of the membership a payment-provider event names, once the event's signature
    has been verified (the signature is the proof; app.billing.webhook)."""
    return OrgScope(org_id, _seal=_ISSUED_BY_AUTHZ)


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

    @property
    def scope(self) -> OrgScope:
        return OrgScope(self.org_id, _seal=_ISSUED_BY_AUTHZ)


_memberships = Membership.__table__.c
_MEMBERSHIP_COLUMNS = (_memberships.id, _memberships.role, _memberships.payment_status)
# The session, its user and their membership of the org in one round trip: every org
# route pays for this, so it is one indexed join instead of two queries, built once.
_CALLER_AND_MEMBERSHIP = (
    session_query(bindparam("token_hash"))
    .add_columns(*_MEMBERSHIP_COLUMNS)
    .outerjoin(
        Membership.__table__,
        and_(
            _memberships.user_id == UserSession.__table__.c.user_id,
            _memberships.org_id == bindparam("org_id"),
        ),
    )
)


async def _caller_and_membership(
    db: AsyncSession, settings: Settings, token: str, org_id: uuid.UUID
) -> tuple[AuthenticatedUser | None, Any]:
    """The caller behind a session token and their membership of `org_id` (all None when
    not a member)."""
    parameters = {"token_hash": token_hash(token), "org_id": org_id}
    # on the session's connection: a Core statement needs none of the ORM's execute path
    connection = await db.connection()
    row = (await connection.execute(_CALLER_AND_MEMBERSHIP, parameters)).one_or_none()
    if row is None:
        return None, None
    caller = await live_session(db, settings, row)
    membership = row[len(SESSION_COLUMNS) :]
    return caller, membership


def _context(org_id: uuid.UUID, caller: AuthenticatedUser, membership: Any) -> OrgContext:
    membership_id, role, payment_status = membership
    return OrgContext(
        org_id=org_id,
        user_id=caller.id,
        role=Role(role),
        membership_id=membership_id,
        payment_active=grants_paid_access(payment_status),
        _seal=_ISSUED_BY_AUTHZ,
    )


_CALLER_MEMBERSHIPS = (
    select(_memberships.org_id, *_MEMBERSHIP_COLUMNS)
    .where(_memberships.user_id == bindparam("user_id"))
    .order_by(_memberships.org_id)
)


async def contexts_of_caller(db: AsyncSession, caller: AuthenticatedUser) -> list[OrgContext]:
    """An `OrgContext` for each org the authenticated caller is a member of, in one query:
    for the pages that span the caller's orgs (the dashboard). Each one is the context the
    org policy makes for that org; an org the caller is not in gets none."""
    rows = (await db.execute(_CALLER_MEMBERSHIPS, {"user_id": caller.id})).all()
    return [_context(row[0], caller, row[1:]) for row in rows]


OrgPolicy = Callable[..., Coroutine[Any, Any, OrgContext]]


ORG_POLICY_PREFIX = "org:"


@cache
def org_policy(permission: Permission) -> OrgPolicy:
    """The route policy 'member of the org in the path, with `permission`'."""

    @route_policy(f"{ORG_POLICY_PREFIX}{permission}")
    async def require_org_permission(
        org_id: uuid.UUID, request: Request, db: DbSession
    ) -> OrgContext:
        settings = settings_of(request)
        token = session_token_of(request, settings)
        if token is None:
            raise NotAuthenticated()
        caller, membership = await _caller_and_membership(db, settings, token, org_id)
        if caller is None:
            raise NotAuthenticated()
        check_csrf(request, token, settings)
        if membership[0] is None:
            raise NotFound()
        context = _context(org_id, caller, membership)
        if not context.may(permission):
            await record_denial(db, context, request_meta_of(request), str(permission))
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
