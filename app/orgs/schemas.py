"""Request and response bodies of orgs, members, invites and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from app.authz.permissions import Role
from app.core.pagination import Page
from app.core.schemas import (
    DisplayName,
    NewPassword,
    NormalizedEmail,
    OneLineText,
    RequestBody,
    Token,
    examples,
)

OrgName = Annotated[str, OneLineText(min_length=1, max_length=120, strip_whitespace=True)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
FROM_THE_INVITE = "the-token-after-token=-in-the-invitation-link"
AssignableRole = Annotated[Role, Field(description="owner is reached only by a transfer")]


class OrgCreate(RequestBody):
    model_config = examples({"name": "Analytical Society", "slug": "analytical-society"})

    name: OrgName
    slug: Slug


class OrgUpdate(RequestBody):
    """Only the fields sent change."""

    model_config = examples({"name": "The Analytical Society"})

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
    model_config = examples({"role": "moderator"})

    role: AssignableRole


class OwnershipTransfer(RequestBody):
    """The member who becomes owner."""

    model_config = examples({"user_id": "0b9e8d7c-6a5b-4c3d-8e2f-1a0b9c8d7e6f"})

    user_id: uuid.UUID


class MemberOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    display_name: str
    email: str | None = None
    joined_at: datetime


class MemberPage(Page[MemberOut]):
    pass


class InviteCreate(RequestBody):
    model_config = examples(
        {
            "email": "charles@example.com",
            "role": "member",
            "space_ids": ["3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f"],
        }
    )

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


class InvitePage(Page[InviteOut]):
    pass


class InviteToken(RequestBody):
    """The token from the invitation link (`/invite#token=<this>`)."""

    model_config = examples({"token": FROM_THE_INVITE})

    token: Token


class InviteAccept(RequestBody):
    """`token` alone when logged in as the invited address; with `password` and
    `display_name` to create that account."""

    model_config = examples(
        {
            "token": FROM_THE_INVITE,
            "password": "correct horse battery staple",
            "display_name": "Charles Babbage",
        },
        {"token": FROM_THE_INVITE},
    )

    token: Token
    password: NewPassword | None = None
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


class AuditPage(Page[AuditEventOut]):
    pass
