"""Coach/admin pages of an org: members and their roles, invites, the audit log. Each
route declares the org policy of the API route it stands for (`MemberManager`,
`InviteManager`, `AuditReader`), so only admins and owners reach them, and calls the
same service with the `OrgContext` authz issued."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from app.authz.org_context import OrgContext
from app.authz.permissions import Role
from app.authz.policies import AuditReader, InviteManager, MemberManager
from app.core.errors import AppError
from app.orgs.endpoints import Invites, Orgs, audit_out
from app.orgs.invites import invite_out
from app.orgs.schemas import InviteCreate, RoleChange
from app.pages.forms import form_fields, parsed, validated
from app.pages.rendering import CSRF_FIELD, render
from app.pages.routing import error_page, page_router
from app.pages.words import words_for
from app.spaces.endpoints import Spaces
from app.spaces.service import space_out

router = page_router()
Cursor = Annotated[str | None, Query(max_length=512)]
PAGE = 50
ASSIGNABLE = [Role.MEMBER, Role.MODERATOR, Role.ADMIN]


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
    org: InviteManager, request: Request, invites: Invites, spaces: Spaces
) -> Response:
    return await _invites_page(request, org, invites, spaces)


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
    status_code: int = 200, **context: object,
) -> Response:  # fmt: skip
    pending, _ = await invites.pending(org, PAGE, None)
    rows, _ = await spaces.spaces(org, PAGE, None)
    return render(
        request, "admin_invites.html", status_code, user=org, org_id=org.org_id,
        invites=[invite_out(row) for row in pending],
        spaces=[space_out(r) for r in rows], roles=ASSIGNABLE,
        sent=request.query_params.get("sent") == "1", **context,
    )  # fmt: skip
