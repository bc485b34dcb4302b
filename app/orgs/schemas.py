"""Request and response bodies of orgs, members, invites and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from app.authz.permissions import Role
from app.core.schemas import (
    DisplayName,
    NormalizedEmail,
    Password,
    RequestBody,
    Token,
    one_line,
)

OrgName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=120, strip_whitespace=True),
    AfterValidator(one_line),
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
AssignableRole = Annotated[Role, Field(description="owner is reached only by a transfer")]


class OrgCreate(RequestBody):
    name: OrgName
    slug: Slug


class OrgUpdate(RequestBody):
    name: OrgName | None = None
    slug: Slug | None = None


class OrgOut(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime


class MyOrg(OrgOut):
    role: Role


class MyOrgList(BaseModel):
    items: list[MyOrg]
    next_cursor: str | None = None


class RoleChange(RequestBody):
    role: AssignableRole


class OwnershipTransfer(RequestBody):
    user_id: uuid.UUID


class MemberOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    display_name: str
    email: str | None = None
    joined_at: datetime


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None = None


class InviteCreate(RequestBody):
    email: NormalizedEmail
    role: AssignableRole = Role.MEMBER
    space_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class InviteOut(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    space_ids: list[uuid.UUID]
    created_at: datetime
    expires_at: datetime


class InvitePage(BaseModel):
    items: list[InviteOut]
    next_cursor: str | None = None


class InviteToken(RequestBody):
    token: Token


class InviteAccept(RequestBody):
    token: Token
    password: Password | None = None
    display_name: DisplayName | None = None


class InvitePreview(BaseModel):
    org_name: str
    inviter_name: str


class Joined(BaseModel):
    org_id: uuid.UUID
    role: Role
    user_id: uuid.UUID
    csrf_token: str | None = None


class AuditEventOut(BaseModel):
    id: uuid.UUID
    action: str
    actor_user_id: uuid.UUID | None
    target_user_id: uuid.UUID | None
    target_id: str | None
    ip: str
    request_id: str | None
    details: dict[str, Any]
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    next_cursor: str | None = None
