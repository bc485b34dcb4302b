"""Object rules inside an org: what depends on the target, not just the caller's role.

Services call these; a False answer for a visible object is a 403 (Forbidden), and
objects the caller may not see are never loaded in the first place (404).
"""

from __future__ import annotations

import uuid

from app.authz.org_context import OrgContext
from app.authz.permissions import Permission, Role


def may_assign_role(context: OrgContext, target_role: Role, new_role: Role) -> bool:
    """Nobody grants a role above their own, changes someone at or above their own, or
    makes an owner (ownership moves only by transfer)."""
    return (
        context.may(Permission.MEMBERS_MANAGE)
        and new_role != Role.OWNER
        and context.role.rank >= new_role.rank
        and context.role.outranks(target_role)
    )


def may_remove_member(context: OrgContext, target_user_id: uuid.UUID, target_role: Role) -> bool:
    """Members leave by themselves (the owner only after a transfer); admins remove those below."""
    if target_user_id == context.user_id:
        return context.role != Role.OWNER
    return context.may(Permission.MEMBERS_MANAGE) and context.role.outranks(target_role)


def may_invite_as(context: OrgContext, role: Role) -> bool:
    return (
        context.may(Permission.INVITES_MANAGE)
        and role != Role.OWNER
        and context.role.rank >= role.rank
    )


def may_see_email_of(context: OrgContext, user_id: uuid.UUID) -> bool:
    """A member's email only to themself and admins (C11)."""
    return user_id == context.user_id or context.may(Permission.MEMBERS_READ_EMAIL)


def may_see_payment_of(context: OrgContext, user_id: uuid.UUID) -> bool:
    """Payment status only to that member and owner/admins (C11)."""
    return user_id == context.user_id or context.may(Permission.BILLING_READ_ALL)
