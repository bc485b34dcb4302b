"""HTTP routes of spaces and their members (`/orgs/{org_id}/spaces`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Response, status

from app.authz.policies import OrgMember, SpaceCreator, SpaceManager
from app.core.api_docs import created_or_existing, existing
from app.core.dependencies import service_dependency
from app.core.json_body import api_router
from app.core.pagination import Paging
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
from app.spaces.service import SpaceService

router = api_router(prefix="/orgs/{org_id}/spaces", tags=["spaces"])


Spaces = Annotated[SpaceService, Depends(service_dependency(SpaceService))]


@router.post(
    "", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT, summary="Create a space"
)
async def create_space(org: SpaceCreator, body: SpaceCreate, spaces: Spaces) -> SpaceOut:
    """Create a space in the org (owner and admins). `open` spaces are joined by any
    member, `private` ones only by being added by an admin, `paid` ones with an active
    payment."""
    return await spaces.create(org, body)


@router.get("", summary="List spaces")
async def list_spaces(org: OrgMember, spaces: Spaces, page: Paging) -> SpacePage:
    """The spaces of the org the caller may see, a page at a time: private ones only
    to their members and admins. `is_member` says whether the caller is in each."""
    return SpacePage.of_items(await spaces.spaces(org, page.limit, page.cursor))


@router.get("/{space_id}", summary="Read a space")
async def read_space(org: OrgMember, space_id: uuid.UUID, spaces: Spaces) -> SpaceOut:
    """One space's name, description and visibility. A private space the caller is not
    in is a 404."""
    return await spaces.space(org, space_id)


@router.patch("/{space_id}", summary="Update a space")
async def update_space(
    org: SpaceManager, space_id: uuid.UUID, body: SpaceUpdate, spaces: Spaces
) -> SpaceOut:
    """Change a space's name, description or visibility (owner and admins); a field left
    out keeps its value."""
    return await spaces.update(org, space_id, body)


@router.delete("/{space_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a space")
async def delete_space(org: SpaceManager, space_id: uuid.UUID, spaces: Spaces) -> None:
    """Delete a space with its posts and comments (owner and admins). It cannot be
    undone."""
    await spaces.delete(org, space_id)


@router.post(
    "/{space_id}/join",
    status_code=status.HTTP_201_CREATED,
    dependencies=IDEMPOTENT,
    summary="Join a space",
    responses={
        **existing(SpaceMemberOut, "The caller was in the space already."),
        403: {
            "description": "The space is joined with an active payment, or by being added "
            "by an admin (`space_not_joinable`); or the CSRF header or Origin is wrong."
        },
    },
)
async def join_space(
    org: OrgMember, space_id: uuid.UUID, spaces: Spaces, response: Response
) -> SpaceMemberOut:
    """Join an open space, or a paid one with an active payment: 201 when the caller
    joins now, 200 when they were in it already."""
    member, created = await spaces.join(org, space_id)
    created_or_existing(response, created)
    return member


@router.get("/{space_id}/members", summary="List a space's members")
async def list_space_members(
    org: OrgMember, space_id: uuid.UUID, spaces: Spaces, page: Paging
) -> SpaceMemberPage:
    """Who is in the space, a page at a time. 403 `space_content_locked` when the caller
    sees the space but its content is for its members only."""
    return SpaceMemberPage.of_items(await spaces.members(org, space_id, page.limit, page.cursor))


@router.post(
    "/{space_id}/members",
    status_code=status.HTTP_201_CREATED,
    dependencies=IDEMPOTENT,
    summary="Add a member to a space",
    responses=existing(SpaceMemberOut, "The member was in the space already."),
)
async def add_space_member(
    org: SpaceManager,
    space_id: uuid.UUID,
    body: SpaceMemberAdd,
    spaces: Spaces,
    response: Response,
) -> SpaceMemberOut:
    """Put a member of the org into the space (owner and admins), whatever its
    visibility: 201 when added now, 200 when they were in it already. A user who is
    not a member of this org is a 404."""
    member, created = await spaces.add_member(org, space_id, body.user_id)
    created_or_existing(response, created)
    return member


@router.delete(
    "/{space_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member from a space, or leave it",
)
async def remove_space_member(
    org: OrgMember, space_id: uuid.UUID, user_id: uuid.UUID, spaces: Spaces
) -> None:
    """Admins remove anyone from a space; a member may remove themself (leave it)."""
    await spaces.remove_member(org, space_id, user_id)
