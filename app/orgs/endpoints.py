"""HTTP routes of orgs, members, ownership, the audit log and invites."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request, Response, status

from app.accounts.cookies import set_session_cookies
from app.accounts.endpoints import Accounts
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
from app.core.api_docs import RATE_LIMITED_PER_USER, TOKEN_NOTES, errors
from app.core.dependencies import (
    AppSettings,
    DbSession,
    request_meta_of,
    service_dependency,
    settings_of,
)
from app.core.json_body import api_router
from app.core.limits import rate_limit
from app.core.pagination import Paging
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
from app.orgs.service import OrgService

router = api_router(prefix="/orgs", tags=["orgs"])
invites_router = api_router(prefix="/invites", tags=["orgs"])
me_orgs_router = api_router(prefix="/me", tags=["orgs"])


async def invite_service(request: Request, db: DbSession, accounts: Accounts) -> InviteService:
    return InviteService(db, settings_of(request), request_meta_of(request), accounts)


Orgs = Annotated[OrgService, Depends(service_dependency(OrgService))]
Invites = Annotated[InviteService, Depends(invite_service)]


def org_out(org: Org) -> OrgOut:
    return OrgOut(id=org.id, name=org.name, slug=org.slug, created_at=org.created_at)


def audit_out(event: AuditEvent) -> AuditEventOut:
    return AuditEventOut.model_validate(event, from_attributes=True)


# -- orgs -------------------------------------------------------------------------------


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    dependencies=IDEMPOTENT,
    summary="Create an org",
    responses=errors(
        notes={
            403: "Org creation is switched off on this server (`org_creation_disabled`, "
            "see ALLOW_ORG_CREATION), or the CSRF header or Origin is wrong.",
            409: "The slug is taken (`slug_taken`), or the `Idempotency-Key` is in use.",
        },
    ),
)
async def create_org(user: CurrentUser, body: OrgCreate, orgs: Orgs) -> OrgOut:
    """Create an organisation; the caller becomes its owner. The slug (lower-case
    letters, digits and inner hyphens) names it in URLs and must be unused."""
    return org_out(await orgs.create(user, body.name, body.slug))


@router.get("/{org_id}", summary="Read an org")
async def read_org(org: OrgMember, orgs: Orgs) -> OrgOut:
    """The org's name and slug, to its members. To anyone else it is a 404."""
    return org_out(await orgs.org(org))


@router.patch(
    "/{org_id}",
    summary="Rename an org",
    responses=errors(notes={409: "The new slug is taken (`slug_taken`)."}),
)
async def update_org(org: OrgUpdater, body: OrgUpdate, orgs: Orgs) -> OrgOut:
    """Change the org's name or slug (owner and admins); a field left out keeps its
    value."""
    return org_out(await orgs.update(org, body.name, body.slug))


@me_orgs_router.get("/orgs", summary="List my orgs")
async def my_orgs(user: CurrentUser, orgs: Orgs) -> MyOrgList:
    """Every org the caller is a member of, with the caller's role in each."""
    return MyOrgList(
        items=[
            MyOrg(id=o.id, name=o.name, slug=o.slug, created_at=o.created_at, role=role)
            for o, role in await orgs.my_orgs(user)
        ]
    )


# -- members ----------------------------------------------------------------------------


@router.get("/{org_id}/members", summary="List an org's members")
async def list_members(org: OrgMember, orgs: Orgs, page: Paging) -> MemberPage:
    """The org's members in the order they joined, a page at a time. Their email
    addresses are shown only to those who manage members."""
    items, next_cursor = await orgs.members(org, page.limit, page.cursor)
    return MemberPage(items=items, next_cursor=next_cursor)


@router.get("/{org_id}/members/{user_id}", summary="Read a member")
async def read_member(org: OrgMember, user_id: uuid.UUID, orgs: Orgs) -> MemberOut:
    """One member of the org, by user id: role, display name, join date (and email,
    for those who manage members)."""
    return await orgs.member(org, user_id)


@router.patch("/{org_id}/members/{user_id}", summary="Change a member's role")
async def change_role(
    org: MemberManager, user_id: uuid.UUID, body: RoleChange, orgs: Orgs
) -> MemberOut:
    """Give a member another role (owner and admins). Nobody grants a role above their
    own or changes someone at or above their own; the owner role moves only by
    `POST /orgs/{org_id}/transfer-ownership`."""
    return await orgs.change_role(org, user_id, body.role)


@router.delete(
    "/{org_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member, or leave",
)
async def remove_member(org: OrgMember, user_id: uuid.UUID, orgs: Orgs) -> None:
    """Admins remove members below them; any member may remove themself (leave the
    org). The owner cannot leave before transferring ownership."""
    await orgs.remove(org, user_id)


@router.post(
    "/{org_id}/transfer-ownership",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Transfer ownership",
)
async def transfer_ownership(org: OrgOwner, body: OwnershipTransfer, orgs: Orgs) -> None:
    """The owner hands the org to another member, who becomes owner; the former owner
    becomes an admin. Owner only."""
    await orgs.transfer_ownership(org, body.user_id)


@router.get("/{org_id}/audit-log", summary="Read the audit log")
async def audit_log(org: AuditReader, orgs: Orgs, page: Paging) -> AuditPage:
    """What happened in the org and who did it (role changes, invites, refused
    attempts...), newest first, a page at a time. Owner and admins."""
    return AuditPage.of(await orgs.audit_log(org, page.limit, page.cursor), audit_out)


# -- invites ----------------------------------------------------------------------------


@router.post(
    "/{org_id}/invites",
    status_code=status.HTTP_201_CREATED,
    dependencies=IDEMPOTENT,
    summary="Invite someone by email",
    responses=errors(
        429,
        notes={
            409: "The address belongs to a member already (`already_member`), or the "
            "`Idempotency-Key` is in use.",
            429: RATE_LIMITED_PER_USER,
        },
    ),
)
async def create_invite(org: InviteManager, body: InviteCreate, invites: Invites) -> InviteOut:
    """Mail an invitation link (`/invite#token=...`) to the address, for a role no
    higher than the inviter's and optionally into some of the org's spaces. A pending
    invitation to the same address is replaced."""
    return invite_out(await invites.create(org, body.email, body.role, body.space_ids))


@router.get("/{org_id}/invites", summary="List pending invitations")
async def list_invites(org: InviteManager, invites: Invites, page: Paging) -> InvitePage:
    """Invitations not yet accepted, revoked or expired, a page at a time."""
    return InvitePage.of(await invites.pending(org, page.limit, page.cursor), invite_out)


@router.delete(
    "/{org_id}/invites/{invite_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an invitation",
    responses=errors(notes={409: "The invitation was accepted already (`invite_accepted`)."}),
)
async def revoke_invite(org: InviteManager, invite_id: uuid.UUID, invites: Invites) -> None:
    """Make a pending invitation's link stop working. Revoking it twice is fine."""
    await invites.revoke(org, invite_id)


@invites_router.post(
    "/preview",
    dependencies=[rate_limit("token_exchange_ip")],
    summary="Preview an invitation",
    responses=errors(400, notes=TOKEN_NOTES),
)
async def preview_invite(_: PublicRoute, body: InviteToken, invites: Invites) -> InvitePreview:
    """The org's name and the inviter's display name for an invitation token, so the
    invite page can say what is being accepted. Changes nothing."""
    return await invites.preview(body.token)


@invites_router.post(
    "/accept",
    dependencies=[rate_limit("invite_accept_ip")],
    summary="Accept an invitation",
    responses=errors(
        400,
        401,
        notes={
            **TOKEN_NOTES,
            401: "Not logged in, and no `password` and `display_name` for a new account.",
            403: "Logged in as another address than the invited one "
            "(`invite_email_mismatch`), or the CSRF header or Origin is wrong.",
            409: "Not logged in, and the invited address has an account already "
            "(`account_exists`): log in and accept again.",
        },
    ),
)
async def accept_invite(
    _: PublicRoute,
    caller: MaybeUser,
    body: InviteAccept,
    invites: Invites,
    response: Response,
    settings: AppSettings,
) -> Joined:
    """Join the org with the invitation's role (and spaces).

    Logged in as the invited address: send only the `token`. Not logged in: send
    `password` and `display_name` too, and an account for the invited address is
    created (already verified: the mail proved the address) and logged in, so the
    answer sets the session cookies and carries the `csrf_token`."""
    if caller is not None:
        invite = await invites.accept_as(caller, body.token)
        return Joined(org_id=invite.org_id, role=invite.role, user_id=caller.id)
    invite, new = await invites.accept_as_new_account(body.token, body.password, body.display_name)
    csrf = set_session_cookies(response, settings, new.token)
    return Joined(org_id=invite.org_id, role=invite.role, user_id=new.user.id, csrf_token=csrf)
