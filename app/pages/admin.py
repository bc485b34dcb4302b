"""Coach/admin pages of an org: members and their roles, invites, the audit log. Each
route declares the org policy of the API route it stands for (`MemberManager`,
`InviteManager`, `AuditReader`), so only admins and owners reach them, and calls the
same service with the `OrgContext` authz issued."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from app.authz.permissions import Role
from app.authz.policies import (
    AuditReader,
    InviteManager,
    MemberManager,
    SpaceCreator,
    SpaceManager,
)
from app.core.errors import NotFound
from app.core.schemas import NormalizedEmail
from app.orgs.endpoints import Invites, Orgs, audit_out
from app.orgs.invites import invite_out
from app.orgs.schemas import InviteCreate, RoleChange
from app.pages.forms import FormFields, parsed, validated
from app.pages.rendering import render
from app.pages.routing import FormRefusal, form_page, page_router, redrawn, see_other
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


async def members_context(org: MemberManager, orgs: Orgs, cursor: Cursor = None) -> dict[str, Any]:
    members, next_cursor = await orgs.members(org, PAGE, cursor)
    return {
        "user": org, "org_id": org.org_id, "members": members, "roles": ASSIGNABLE,
        "next_cursor": next_cursor,
    }  # fmt: skip


MEMBERS_FORM = form_page("admin_members.html", redrawn(members_context, cursor=None))


@router.get("/orgs/{org_id}/admin/members")
async def admin_members_page(
    org: MemberManager, request: Request, orgs: Orgs, cursor: Cursor = None
) -> Response:
    return render(request, "admin_members.html", **await members_context(org, orgs, cursor))


@router.post("/orgs/{org_id}/admin/members/{user_id}/role", dependencies=[MEMBERS_FORM])
async def change_role(
    org: MemberManager, user_id: uuid.UUID, fields: FormFields, orgs: Orgs
) -> Response:
    await orgs.change_role(org, user_id, parsed(RoleChange, fields, "role").role)
    return see_other(f"/orgs/{org.org_id}/admin/members")


@router.post("/orgs/{org_id}/admin/members/{user_id}/remove", dependencies=[MEMBERS_FORM])
async def remove_member(org: MemberManager, user_id: uuid.UUID, orgs: Orgs) -> Response:
    await orgs.remove(org, user_id)
    return see_other(f"/orgs/{org.org_id}/admin/members")


async def invites_context(
    org: InviteManager, request: Request, invites: Invites, spaces: Spaces,
    cursor: Cursor = None,
) -> dict[str, Any]:  # fmt: skip
    pending, next_cursor = await invites.pending(org, PAGE, cursor)
    rows = (await spaces.visible_in_orgs([org]))[org.org_id]  # all: a picker, not a list
    return {
        "user": org, "org_id": org.org_id, "invites": [invite_out(row) for row in pending],
        "next_cursor": next_cursor, "spaces": rows, "roles": ASSIGNABLE,
        "sent": request.query_params.get("sent") == "1",
    }  # fmt: skip


async def invite_form_context(
    org: InviteManager, request: Request, invites: Invites, spaces: Spaces
) -> dict[str, Any]:
    chosen = set(_strings(await request.form(), "space_ids"))
    return {**await invites_context(org, request, invites, spaces), "chosen": chosen}


@router.get("/orgs/{org_id}/admin/invites")
async def invites_page(
    org: InviteManager, request: Request, invites: Invites, spaces: Spaces, cursor: Cursor = None
) -> Response:
    context = await invites_context(org, request, invites, spaces, cursor)
    return render(request, "admin_invites.html", **context)


@router.post(
    "/orgs/{org_id}/admin/invites",
    dependencies=[form_page("admin_invites.html", redrawn(invite_form_context))],
)
async def create_invite(org: InviteManager, request: Request, invites: Invites) -> Response:
    body = validated(InviteCreate, _invite_fields(await request.form()))
    await invites.create(org, body.email, body.role, body.space_ids)
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


def _invite_fields(form: FormData) -> dict[str, Any]:
    given: dict[str, object] = {
        "email": form.get("email", ""),
        "space_ids": _strings(form, "space_ids"),
    }
    if form.get("role"):
        given["role"] = form.get("role")
    return given


# -- spaces -----------------------------------------------------------------------------


async def spaces_context(
    org: SpaceCreator, spaces: Spaces, cursor: Cursor = None
) -> dict[str, Any]:
    rows, next_cursor = await spaces.spaces(org, PAGE, cursor)
    return {
        "user": org, "org_id": org.org_id, "spaces": rows, "next_cursor": next_cursor,
        "visibilities": list(Visibility),
    }  # fmt: skip


async def space_context(org: SpaceManager, space_id: uuid.UUID, spaces: Spaces) -> dict[str, Any]:
    space = await spaces.space(org, space_id)
    in_space, _ = await spaces.members(org, space_id, PAGE, None)
    return {
        "user": org, "org_id": org.org_id, "space": space, "space_members": in_space,
        "visibilities": list(Visibility),
    }  # fmt: skip


async def space_member_form_context(
    org: SpaceManager, space_id: uuid.UUID, spaces: Spaces, fields: FormFields
) -> dict[str, Any]:
    """The space page, its own fields as they are (the form sent was the member's)."""
    context = await space_context(org, space_id, spaces)
    return {**context, "values": None, "member_email": fields.get("email", "")}


SPACE_FORM = form_page("admin_space.html", redrawn(space_context))


@router.get("/orgs/{org_id}/admin/spaces")
async def admin_spaces_page(
    org: SpaceCreator, request: Request, spaces: Spaces, cursor: Cursor = None
) -> Response:
    return render(request, "admin_spaces.html", **await spaces_context(org, spaces, cursor))


@router.post(
    "/orgs/{org_id}/admin/spaces",
    dependencies=[form_page("admin_spaces.html", redrawn(spaces_context, cursor=None))],
)
async def create_space(org: SpaceCreator, fields: FormFields, spaces: Spaces) -> Response:
    space = await spaces.create(org, parsed(SpaceCreate, fields, *SPACE_FIELDS))
    return see_other(f"/orgs/{org.org_id}/admin/spaces/{space.id}")


@router.get("/orgs/{org_id}/admin/spaces/{space_id}")
async def admin_space_page(
    org: SpaceManager, space_id: uuid.UUID, request: Request, spaces: Spaces
) -> Response:
    return render(request, "admin_space.html", **await space_context(org, space_id, spaces))


@router.post("/orgs/{org_id}/admin/spaces/{space_id}", dependencies=[SPACE_FORM])
async def update_space(
    org: SpaceManager, space_id: uuid.UUID, fields: FormFields, spaces: Spaces
) -> Response:
    given: dict[str, object] = {name: fields.get(name, "") for name in SPACE_FIELDS}
    await spaces.update(org, space_id, validated(SpaceUpdate, given))
    return see_other(f"/orgs/{org.org_id}/admin/spaces/{space_id}")


@router.post("/orgs/{org_id}/admin/spaces/{space_id}/delete")
async def delete_space(org: SpaceManager, space_id: uuid.UUID, spaces: Spaces) -> Response:
    await spaces.delete(org, space_id)
    return see_other(f"/orgs/{org.org_id}/admin/spaces")


@router.post(
    "/orgs/{org_id}/admin/spaces/{space_id}/members",
    dependencies=[form_page("admin_space.html", redrawn(space_member_form_context))],
)
async def add_space_member(
    org: SpaceManager, space_id: uuid.UUID, fields: FormFields, spaces: Spaces, orgs: Orgs
) -> Response:
    """Any member of the org, found by email (the API's add-member rule), not a picker
    that could only hold a page of them."""
    email = parsed(SpaceMemberEmail, fields, "email").email
    try:
        member = await orgs.member_by_email(org, email)
    except NotFound as unknown:  # a foreign or unknown email (a gone space: the 404 page)
        raise FormRefusal(unknown, "Please check the form", NO_SUCH_MEMBER) from None
    await spaces.add_member(org, space_id, member.user_id)
    return see_other(f"/orgs/{org.org_id}/admin/spaces/{space_id}")


@router.post("/orgs/{org_id}/admin/spaces/{space_id}/members/{user_id}/remove")
async def remove_space_member(
    org: SpaceManager, space_id: uuid.UUID, user_id: uuid.UUID, spaces: Spaces
) -> Response:
    await spaces.remove_member(org, space_id, user_id)
    return see_other(f"/orgs/{org.org_id}/admin/spaces/{space_id}")
