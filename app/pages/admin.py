"""Coach/admin pages of an org: members and their roles, invites, the audit log. Each
route declares the org policy of the API route it stands for (`MemberManager`,
`InviteManager`, `AuditReader`), so only admins and owners reach them, and calls the
same service with the `OrgContext` authz issued."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from app.authz.org_context import OrgContext
from app.authz.permissions import Role
from app.authz.policies import (
    AuditReader,
    InviteManager,
    MemberManager,
    SpaceCreator,
    SpaceManager,
)
from app.core.errors import AppError
from app.core.schemas import NormalizedEmail
from app.orgs.endpoints import Invites, Orgs, audit_out
from app.orgs.invites import invite_out
from app.orgs.schemas import InviteCreate, RoleChange
from app.pages.forms import form_fields, parsed, validated
from app.pages.rendering import CSRF_FIELD, render
from app.pages.routing import error_page, page_router
from app.pages.words import words_for
from app.spaces.endpoints import Spaces
from app.spaces.models import Visibility
from app.spaces.schemas import SpaceCreate, SpaceUpdate

router = page_router()
Cursor = Annotated[str | None, Query(max_length=512)]
PAGE = 50
ASSIGNABLE = [Role.MEMBER, Role.MODERATOR, Role.ADMIN]
SPACE_FIELDS = ("name", "description", "visibility")
NO_SUCH_MEMBER = (
    "No member of this community has that email address. Invite them first, then add"
    " them to the space."
)


class SpaceMemberEmail(BaseModel):
    """The space-member form: whom to add, by the email they signed up with."""

    email: NormalizedEmail


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/orgs/{org_id}/admin/members")
async def admin_members_page(
    org: MemberManager, request: Request, orgs: Orgs, cursor: Cursor = None
) -> Response:
    members, next_cursor = await orgs.members(org, PAGE, cursor)
    return render(
        request, "admin_members.html", user=org, org_id=org.org_id, members=members,
        roles=ASSIGNABLE, next_cursor=next_cursor,
    )  # fmt: skip


@router.post("/orgs/{org_id}/admin/members/{user_id}/role")
async def change_role(
    org: MemberManager, user_id: uuid.UUID, request: Request, orgs: Orgs
) -> Response:
    fields = await form_fields(request)
    try:
        await orgs.change_role(org, user_id, parsed(RoleChange, fields, "role").role)
    except AppError as error:
        return await _members_again(request, error, org, orgs)
    return see_other(f"/orgs/{org.org_id}/admin/members")


@router.post("/orgs/{org_id}/admin/members/{user_id}/remove")
async def remove_member(
    org: MemberManager, user_id: uuid.UUID, request: Request, orgs: Orgs
) -> Response:
    try:
        await orgs.remove(org, user_id)
    except AppError as error:
        return await _members_again(request, error, org, orgs)
    return see_other(f"/orgs/{org.org_id}/admin/members")


async def _members_again(
    request: Request, error: AppError, org: OrgContext, orgs: Orgs
) -> Response:
    if error.status_code == 404:
        return error_page(request, error)
    title, text = words_for(error)
    members, next_cursor = await orgs.members(org, PAGE, None)
    return render(
        request, "admin_members.html", error.status_code, user=org, org_id=org.org_id,
        members=members, roles=ASSIGNABLE, next_cursor=next_cursor, error=text,
        error_title=title,
    )  # fmt: skip


@router.get("/orgs/{org_id}/admin/invites")
async def invites_page(
    org: InviteManager, request: Request, invites: Invites, spaces: Spaces, cursor: Cursor = None
) -> Response:
    return await _invites_page(request, org, invites, spaces, cursor=cursor)


@router.post("/orgs/{org_id}/admin/invites")
async def create_invite(
    org: InviteManager, request: Request, invites: Invites, spaces: Spaces
) -> Response:
    form = await request.form()
    try:
        body = validated(InviteCreate, _invite_fields(form))
        await invites.create(org, body.email, body.role, body.space_ids)
    except AppError as error:
        if error.status_code == 404:
            return error_page(request, error)
        title, text = words_for(error)
        kept = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
        return await _invites_page(
            request, org, invites, spaces, error.status_code, error=text, error_title=title,
            values=kept, chosen=set(_strings(form, "space_ids")),
        )  # fmt: skip
    return see_other(f"/orgs/{org.org_id}/admin/invites?sent=1")


@router.post("/orgs/{org_id}/admin/invites/{invite_id}/revoke")
async def revoke_invite(org: InviteManager, invite_id: uuid.UUID, invites: Invites) -> Response:
    await invites.revoke(org, invite_id)
    return see_other(f"/orgs/{org.org_id}/admin/invites")


@router.get("/orgs/{org_id}/admin/audit-log")
async def audit_log_page(
    org: AuditReader, request: Request, orgs: Orgs, cursor: Cursor = None
) -> Response:
    events, next_cursor = await orgs.audit_log(org, PAGE, cursor)
    return render(
        request, "admin_audit.html", user=org, org_id=org.org_id,
        events=[audit_out(event) for event in events], next_cursor=next_cursor,
        people=await orgs.people_of_events(org, events),
    )  # fmt: skip


def _strings(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


def _invite_fields(form: FormData) -> dict[str, object]:
    given: dict[str, object] = {
        "email": form.get("email", ""),
        "space_ids": _strings(form, "space_ids"),
    }
    if form.get("role"):
        given["role"] = form.get("role")
    return given


async def _invites_page(
    request: Request, org: OrgContext, invites: Invites, spaces: Spaces,
    status_code: int = 200, cursor: str | None = None, **context: object,
) -> Response:  # fmt: skip
    pending, next_cursor = await invites.pending(org, PAGE, cursor)
    rows = (await spaces.visible_in_orgs([org]))[org.org_id]  # all: a picker, not a list
    return render(
        request, "admin_invites.html", status_code, user=org, org_id=org.org_id,
        invites=[invite_out(row) for row in pending], next_cursor=next_cursor,
        spaces=rows, roles=ASSIGNABLE,
        sent=request.query_params.get("sent") == "1", **context,
    )  # fmt: skip


# -- spaces -----------------------------------------------------------------------------


@router.get("/orgs/{org_id}/admin/spaces")
async def admin_spaces_page(
    org: SpaceCreator, request: Request, spaces: Spaces, cursor: Cursor = None
) -> Response:
    return await _spaces_page(request, org, spaces, cursor=cursor)


@router.post("/orgs/{org_id}/admin/spaces")
async def create_space(org: SpaceCreator, request: Request, spaces: Spaces) -> Response:
    fields = await form_fields(request)
    try:
        space = await spaces.create(org, parsed(SpaceCreate, fields, *SPACE_FIELDS))
    except AppError as error:
        title, text = words_for(error)
        return await _spaces_page(
            request, org, spaces, error.status_code, error=text, error_title=title, values=fields
        )
    return see_other(f"/orgs/{org.org_id}/admin/spaces/{space.id}")


@router.get("/orgs/{org_id}/admin/spaces/{space_id}")
async def admin_space_page(
    org: SpaceManager, space_id: uuid.UUID, request: Request, spaces: Spaces
) -> Response:
    return await _space_page(request, org, space_id, spaces)


@router.post("/orgs/{org_id}/admin/spaces/{space_id}")
async def update_space(
    org: SpaceManager, space_id: uuid.UUID, request: Request, spaces: Spaces
) -> Response:
    fields = await form_fields(request)
    given: dict[str, object] = {name: fields.get(name, "") for name in SPACE_FIELDS}
    try:
        await spaces.update(org, space_id, validated(SpaceUpdate, given))
    except AppError as error:
        if error.status_code == 404:
            return error_page(request, error)
        title, text = words_for(error)
        return await _space_page(
            request, org, space_id, spaces, error.status_code, error=text,
            error_title=title, values=fields,
        )  # fmt: skip
    return see_other(f"/orgs/{org.org_id}/admin/spaces/{space_id}")


@router.post("/orgs/{org_id}/admin/spaces/{space_id}/delete")
async def delete_space(org: SpaceManager, space_id: uuid.UUID, spaces: Spaces) -> Response:
    await spaces.delete(org, space_id)
    return see_other(f"/orgs/{org.org_id}/admin/spaces")


@router.post("/orgs/{org_id}/admin/spaces/{space_id}/members")
async def add_space_member(
    org: SpaceManager, space_id: uuid.UUID, request: Request, spaces: Spaces, orgs: Orgs
) -> Response:
    """Any member of the org, found by email (the API's add-member rule), not a picker
    that could only hold a page of them."""
    fields = await form_fields(request)
    try:
        member = await orgs.member_by_email(org, parsed(SpaceMemberEmail, fields, "email").email)
        await spaces.add_member(org, space_id, member.user_id)
    except AppError as error:
        title, text = words_for(error)
        if error.status_code == 404:  # a foreign or unknown email (a gone space: 404 page)
            title, text = "Please check the form", NO_SUCH_MEMBER
        return await _space_page(
            request, org, space_id, spaces, error.status_code, error=text,
            error_title=title, member_email=fields.get("email", ""),
        )  # fmt: skip
    return see_other(f"/orgs/{org.org_id}/admin/spaces/{space_id}")


@router.post("/orgs/{org_id}/admin/spaces/{space_id}/members/{user_id}/remove")
async def remove_space_member(
    org: SpaceManager, space_id: uuid.UUID, user_id: uuid.UUID, spaces: Spaces
) -> Response:
    await spaces.remove_member(org, space_id, user_id)
    return see_other(f"/orgs/{org.org_id}/admin/spaces/{space_id}")


async def _spaces_page(
    request: Request, org: OrgContext, spaces: Spaces, status_code: int = 200,
    cursor: str | None = None, **context: object,
) -> Response:  # fmt: skip
    rows, next_cursor = await spaces.spaces(org, PAGE, cursor)
    return render(
        request, "admin_spaces.html", status_code, user=org, org_id=org.org_id,
        spaces=rows, next_cursor=next_cursor,
        visibilities=list(Visibility), **context,
    )  # fmt: skip


async def _space_page(
    request: Request, org: OrgContext, space_id: uuid.UUID, spaces: Spaces,
    status_code: int = 200, **context: object,
) -> Response:  # fmt: skip
    space = await spaces.space(org, space_id)
    in_space, _ = await spaces.members(org, space_id, PAGE, None)
    return render(
        request, "admin_space.html", status_code, user=org, org_id=org.org_id, space=space,
        space_members=in_space,
        visibilities=list(Visibility), **context,
    )  # fmt: skip
