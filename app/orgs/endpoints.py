"""HTTP routes of orgs, members, ownership, the audit log and invites."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.accounts.cookies import set_session_cookies
from app.accounts.endpoints import Accounts, limited
from app.audit.models import AuditEvent
from app.authz.caller import MaybeUser
from app.authz.policies import (
    AuditReader,
    CurrentUser,
    InviteManager,
    MemberManager,
    OrgMember,
    OrgOwner,
    OrgUpdater,
    PublicRoute,
)
from app.core.dependencies import AppSettings, DbSession, Meta
from app.core.json_body import api_router
from app.core.schemas import DEFAULT_PAGE_SIZE, PageLimit
from app.idempotency.service import IDEMPOTENT
from app.orgs.invites import InviteService, invite_out
from app.orgs.models import Org
from app.orgs.schemas import (
    AuditEventOut,
    AuditPage,
    InviteAccept,
    InviteCreate,
    InviteOut,
    InvitePage,
    InvitePreview,
    InviteToken,
    Joined,
    MemberOut,
    MemberPage,
    MyOrg,
    MyOrgList,
    OrgCreate,
    OrgOut,
    OrgUpdate,
    OwnershipTransfer,
    RoleChange,
)
from app.orgs.service import OrgService, member_out

router = api_router(prefix="/orgs", tags=["orgs"])
invites_router = api_router(prefix="/invites", tags=["invites"])
me_orgs_router = api_router(prefix="/me", tags=["me"])

Cursor = Annotated[str | None, Query(max_length=512)]
Limit = Annotated[PageLimit, Query()]


async def org_service(db: DbSession, settings: AppSettings, meta: Meta) -> OrgService:
    return OrgService(db, settings, meta)


async def invite_service(
    db: DbSession, settings: AppSettings, meta: Meta, accounts: Accounts
) -> InviteService:
    return InviteService(db, settings, meta, accounts)


Orgs = Annotated[OrgService, Depends(org_service)]
Invites = Annotated[InviteService, Depends(invite_service)]


def org_out(org: Org) -> OrgOut:
    return OrgOut(id=org.id, name=org.name, slug=org.slug, created_at=org.created_at)


def audit_out(event: AuditEvent) -> AuditEventOut:
    return AuditEventOut.model_validate(event, from_attributes=True)


# -- orgs -------------------------------------------------------------------------------


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT)
async def create_org(user: CurrentUser, body: OrgCreate, orgs: Orgs) -> OrgOut:
    return org_out(await orgs.create(user, body.name, body.slug))


@router.get("/{org_id}")
async def read_org(org: OrgMember, orgs: Orgs) -> OrgOut:
    return org_out(await orgs.org(org))


@router.patch("/{org_id}")
async def update_org(org: OrgUpdater, body: OrgUpdate, orgs: Orgs) -> OrgOut:
    return org_out(await orgs.update(org, body.name, body.slug))


@me_orgs_router.get("/orgs")
async def my_orgs(user: CurrentUser, orgs: Orgs) -> MyOrgList:
    return MyOrgList(
        items=[
            MyOrg(id=o.id, name=o.name, slug=o.slug, created_at=o.created_at, role=role)
            for o, role in await orgs.my_orgs(user)
        ]
    )


# -- members ----------------------------------------------------------------------------


@router.get("/{org_id}/members")
async def list_members(
    org: OrgMember, orgs: Orgs, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> MemberPage:
    items, next_cursor = await orgs.members(org, limit, cursor)
    return MemberPage(items=items, next_cursor=next_cursor)


@router.get("/{org_id}/members/{user_id}")
async def read_member(org: OrgMember, user_id: uuid.UUID, orgs: Orgs) -> MemberOut:
    return member_out(org, await orgs.member(org, user_id))


@router.patch("/{org_id}/members/{user_id}")
async def change_role(
    org: MemberManager, user_id: uuid.UUID, body: RoleChange, orgs: Orgs
) -> MemberOut:
    return member_out(org, await orgs.change_role(org, user_id, body.role))


@router.delete("/{org_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(org: OrgMember, user_id: uuid.UUID, orgs: Orgs) -> None:
    """Admins remove members below them; any member may remove themself (leave)."""
    await orgs.remove(org, user_id)


@router.post("/{org_id}/transfer-ownership", status_code=status.HTTP_204_NO_CONTENT)
async def transfer_ownership(org: OrgOwner, body: OwnershipTransfer, orgs: Orgs) -> None:
    await orgs.transfer_ownership(org, body.user_id)


@router.get("/{org_id}/audit-log")
async def audit_log(
    org: AuditReader, orgs: Orgs, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> AuditPage:
    events, next_cursor = await orgs.audit_log(org, limit, cursor)
    return AuditPage(items=[audit_out(event) for event in events], next_cursor=next_cursor)


# -- invites ----------------------------------------------------------------------------


@router.post("/{org_id}/invites", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT)
async def create_invite(org: InviteManager, body: InviteCreate, invites: Invites) -> InviteOut:
    return invite_out(await invites.create(org, body.email, body.role, body.space_ids))


@router.get("/{org_id}/invites")
async def list_invites(
    org: InviteManager, invites: Invites, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> InvitePage:
    items, next_cursor = await invites.pending(org, limit, cursor)
    return InvitePage(items=[invite_out(item) for item in items], next_cursor=next_cursor)


@router.delete("/{org_id}/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invite(org: InviteManager, invite_id: uuid.UUID, invites: Invites) -> None:
    await invites.revoke(org, invite_id)


@invites_router.post("/preview", dependencies=[limited("token_exchange_ip")])
async def preview_invite(_: PublicRoute, body: InviteToken, invites: Invites) -> InvitePreview:
    return await invites.preview(body.token)


@invites_router.post("/accept", dependencies=[limited("invite_accept_ip")])
async def accept_invite(
    _: PublicRoute,
    caller: MaybeUser,
    body: InviteAccept,
    invites: Invites,
    response: Response,
    settings: AppSettings,
) -> Joined:
    """Logged in as the invited address: join. Not logged in: create that account and join."""
    if caller is not None:
        invite = await invites.accept_as(caller, body.token)
        return Joined(org_id=invite.org_id, role=invite.role, user_id=caller.id)
    invite, new = await invites.accept_as_new_account(body.token, body.password, body.display_name)
    csrf = set_session_cookies(response, settings, new.token)
    return Joined(org_id=invite.org_id, role=invite.role, user_id=new.user.id, csrf_token=csrf)
