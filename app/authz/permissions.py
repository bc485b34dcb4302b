"""Roles and the one table of what each role may do in its org.

Object rules that depend on the object itself (a post's author, a conversation's
participants, a space's members) live in `app.authz.rules`; this table holds what
depends on the role alone.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return ROLE_RANK[self]

    def outranks(self, other: Role) -> bool:
        return self.rank > other.rank


ROLE_RANK = {Role.MEMBER: 0, Role.MODERATOR: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Permission(StrEnum):
    ORG_READ = "org.read"
    ORG_UPDATE = "org.update"
    MEMBERS_READ = "members.read"
    MEMBERS_READ_EMAIL = "members.read_email"
    MEMBERS_MANAGE = "members.manage"
    INVITES_MANAGE = "invites.manage"
    AUDIT_READ = "audit.read"
    OWNERSHIP_TRANSFER = "ownership.transfer"
    SPACES_CREATE = "spaces.create"
    SPACES_MANAGE = "spaces.manage"
    SPACES_SEE_ALL = "spaces.see_all"
    SPACES_READ_PAID = "spaces.read_paid"
    CONTENT_MODERATE = "content.moderate"
    BILLING_READ_ALL = "billing.read_all"
    BILLING_MANAGE = "billing.manage"


_MEMBER = frozenset({Permission.ORG_READ, Permission.MEMBERS_READ})
_MODERATOR = _MEMBER | {Permission.CONTENT_MODERATE}
_ADMIN = _MODERATOR | {
    Permission.ORG_UPDATE,
    Permission.MEMBERS_READ_EMAIL,
    Permission.MEMBERS_MANAGE,
    Permission.INVITES_MANAGE,
    Permission.AUDIT_READ,
    Permission.SPACES_CREATE,
    Permission.SPACES_MANAGE,
    Permission.SPACES_SEE_ALL,
    Permission.SPACES_READ_PAID,
    Permission.BILLING_READ_ALL,
    Permission.BILLING_MANAGE,
}
_OWNER = _ADMIN | {Permission.OWNERSHIP_TRANSFER}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MEMBER: _MEMBER,
    Role.MODERATOR: frozenset(_MODERATOR),
    Role.ADMIN: frozenset(_ADMIN),
    Role.OWNER: frozenset(_OWNER),
}


def role_may(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
