"""HTTP routes of spaces and their members (`/orgs/{org_id}/spaces`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.authz.policies import OrgMember, SpaceCreator, SpaceManager
from app.core.dependencies import AppSettings, DbSession, Meta
from app.core.json_body import api_router
from app.core.schemas import DEFAULT_PAGE_SIZE, PageLimit
from app.idempotency.service import IDEMPOTENT
from app.spaces.schemas import (
    SpaceCreate,
    SpaceMemberAdd,
    SpaceMemberOut,
    SpaceMemberPage,
    SpaceOut,
    SpacePage,
    SpaceUpdate,
)
from app.spaces.service import SpaceService, space_member_out, space_out

router = api_router(prefix="/orgs/{org_id}/spaces", tags=["spaces"])

Cursor = Annotated[str | None, Query(max_length=512)]
Limit = Annotated[PageLimit, Query()]


async def space_service(db: DbSession, settings: AppSettings, meta: Meta) -> SpaceService:
    return SpaceService(db, settings, meta)


Spaces = Annotated[SpaceService, Depends(space_service)]


def _created_or_existing(response: Response, created: bool) -> None:
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT)
async def create_space(org: SpaceCreator, body: SpaceCreate, spaces: Spaces) -> SpaceOut:
    return space_out(await spaces.create(org, body))


@router.get("")
async def list_spaces(
    org: OrgMember, spaces: Spaces, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> SpacePage:
    """The spaces the caller may see: private ones only to their members and admins."""
    rows, next_cursor = await spaces.spaces(org, limit, cursor)
    return SpacePage(items=[space_out(row) for row in rows], next_cursor=next_cursor)


@router.get("/{space_id}")
async def read_space(org: OrgMember, space_id: uuid.UUID, spaces: Spaces) -> SpaceOut:
    return space_out(await spaces.space(org, space_id))


@router.patch("/{space_id}")
async def update_space(
    org: SpaceManager, space_id: uuid.UUID, body: SpaceUpdate, spaces: Spaces
) -> SpaceOut:
    return space_out(await spaces.update(org, space_id, body))


@router.delete("/{space_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_space(org: SpaceManager, space_id: uuid.UUID, spaces: Spaces) -> None:
    await spaces.delete(org, space_id)


@router.post("/{space_id}/join", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT)
async def join_space(
    org: OrgMember, space_id: uuid.UUID, spaces: Spaces, response: Response
) -> SpaceMemberOut:
    """201 when the caller joins now, 200 when they were in it already."""
    member, created = await spaces.join(org, space_id)
    _created_or_existing(response, created)
    return space_member_out(member)


@router.get("/{space_id}/members")
async def list_space_members(
    org: OrgMember,
    space_id: uuid.UUID,
    spaces: Spaces,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> SpaceMemberPage:
    rows, next_cursor = await spaces.members(org, space_id, limit, cursor)
    return SpaceMemberPage(items=[space_member_out(row) for row in rows], next_cursor=next_cursor)


@router.post("/{space_id}/members", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT)
async def add_space_member(
    org: SpaceManager,
    space_id: uuid.UUID,
    body: SpaceMemberAdd,
    spaces: Spaces,
    response: Response,
) -> SpaceMemberOut:
    """The user must be a member of this org (else 404); 200 when already in the space."""
    member, created = await spaces.add_member(org, space_id, body.user_id)
    _created_or_existing(response, created)
    return space_member_out(member)


@router.delete("/{space_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_space_member(
    org: OrgMember, space_id: uuid.UUID, user_id: uuid.UUID, spaces: Spaces
) -> None:
    """Admins remove anyone; a member may remove themself (leave the space)."""
    await spaces.remove_member(org, space_id, user_id)
