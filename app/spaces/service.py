"""Space rules: who sees, reads, joins and manages which space.

The org and invite flows use the three membership functions at the top; the posts
service asks `visible_space` / `readable_space` before touching a space's content.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_event
from app.authz.org_context import OrgContext, OrgScope
from app.authz.permissions import Permission
from app.authz.rules import (
    SpaceAccess,
    may_join_space,
    may_list_space_members,
    may_read_space,
    may_remove_from_space,
    may_see_space,
)
from app.core.errors import Forbidden, NotFound
from app.core.service import RequestService
from app.spaces import repository
from app.spaces.schemas import SpaceCreate, SpaceMemberOut, SpaceOut, SpaceUpdate


async def spaces_in_org(
    db: AsyncSession, scope: OrgScope, space_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of `space_ids` are spaces of this org (the others are foreign: 404)."""
    return await repository.spaces_among(db, scope, space_ids)


async def add_to_spaces(
    db: AsyncSession, scope: OrgScope, user_id: uuid.UUID, space_ids: Iterable[uuid.UUID]
) -> None:
    """Add the user to those of `space_ids` that belong to the org and they are not in yet."""
    valid = await repository.spaces_among(db, scope, space_ids)
    already = await repository.spaces_joined_among(db, scope, user_id, valid)
    repository.add_space_memberships(db, scope, user_id, valid - already)


async def remove_from_all_spaces(db: AsyncSession, context: OrgContext, user_id: uuid.UUID) -> None:
    await repository.delete_space_memberships_of(db, context.scope, user_id)


class SpaceNotJoinable(Forbidden):
    code = "space_not_joinable"
    message = "This space is joined with an active payment, or by being added by an admin."


class SpaceContentLocked(Forbidden):
    code = "space_content_locked"
    message = "The content of this space is for its members, or for members with an active payment."


def require_readable(context: OrgContext, access: SpaceAccess) -> None:
    """404 for a space the caller cannot see, 403 when they see it but its content is
    locked to them."""
    if not may_see_space(context, access):
        raise NotFound("No such space.")
    if not may_read_space(context, access):
        raise SpaceContentLocked()


async def visible_space(db: AsyncSession, context: OrgContext, space_id: uuid.UUID) -> SpaceOut:
    """The space, if the caller may see it; else 404, whether it is foreign, private or gone."""
    row = await repository.space(db, context, space_id)
    if row is None or not may_see_space(context, row.access):
        raise NotFound("No such space.")
    return row


async def readable_space(db: AsyncSession, context: OrgContext, space_id: uuid.UUID) -> SpaceOut:
    """The space, if the caller may read (and so write) its content."""
    row = await visible_space(db, context, space_id)
    require_readable(context, row.access)
    return row


class SpaceService(RequestService):
    def _record(self, context: OrgContext, action: str, space_id: uuid.UUID, **extra: Any) -> None:
        record_event(
            self.db, action, self.meta, org_id=context.org_id, actor_user_id=context.user_id,
            target_id=str(space_id), **extra,
        )  # fmt: skip

    async def create(self, context: OrgContext, body: SpaceCreate) -> SpaceOut:
        """The creator is its first member, so a new private space is not locked to them."""
        space_id = repository.add_space(
            self.db, context, body.name, body.description, body.visibility
        )
        await self.db.flush()
        repository.add_member(self.db, context, space_id, context.user_id)
        self._record(context, "space.created", space_id, details={"visibility": body.visibility})
        await self.db.commit()
        return await visible_space(self.db, context, space_id)

    async def spaces(
        self, context: OrgContext, limit: int, cursor: str | None
    ) -> tuple[list[SpaceOut], str | None]:
        page = self._page(f"spaces:{context.org_id}", limit, cursor)
        rows = await repository.spaces_page(
            self.db,
            context,
            with_all_private=context.may(Permission.SPACES_SEE_ALL),
            after=page.after,
            limit=page.fetch,
        )
        return page.cut(rows, lambda row: (row.created_at, row.id))

    async def visible_in_orgs(
        self, contexts: Sequence[OrgContext]
    ) -> dict[uuid.UUID, list[SpaceOut]]:
        """The spaces the caller sees in each of their orgs (by org ID), oldest first, in
        one query: the rule of the space list, for every org at once."""
        see_all = {c.org_id for c in contexts if c.may(Permission.SPACES_SEE_ALL)}
        found = await repository.spaces_of_orgs(self.db, contexts, with_all_private=see_all)
        return {
            context.org_id: [
                row for row in found[context.org_id] if may_see_space(context, row.access)
            ]
            for context in contexts
        }

    async def space(self, context: OrgContext, space_id: uuid.UUID) -> SpaceOut:
        return await visible_space(self.db, context, space_id)

    async def update(self, context: OrgContext, space_id: uuid.UUID, body: SpaceUpdate) -> SpaceOut:
        await visible_space(self.db, context, space_id)
        space = await repository.space_model(self.db, context, space_id)
        if space is None:
            raise NotFound("No such space.")
        changes = body.model_dump(exclude_none=True)
        for name, value in changes.items():
            setattr(space, name, value)
        self._record(context, "space.updated", space_id, details={"fields": sorted(changes)})
        await self.db.commit()
        return await visible_space(self.db, context, space_id)

    async def delete(self, context: OrgContext, space_id: uuid.UUID) -> None:
        await visible_space(self.db, context, space_id)
        await repository.delete_space(self.db, context, space_id)
        self._record(context, "space.deleted", space_id)
        await self.db.commit()

    # -- members ----------------------------------------------------------------------

    async def join(self, context: OrgContext, space_id: uuid.UUID) -> tuple[SpaceMemberOut, bool]:
        """The caller's membership of the space, and whether it is new."""
        row = await visible_space(self.db, context, space_id)
        if not may_join_space(context, row.access):
            raise SpaceNotJoinable()
        return await self._add(context, space_id, context.user_id, audit_action=None)

    async def add_member(
        self, context: OrgContext, space_id: uuid.UUID, user_id: uuid.UUID
    ) -> tuple[SpaceMemberOut, bool]:
        await visible_space(self.db, context, space_id)
        if not await repository.is_org_member(self.db, context, user_id):
            raise NotFound("No such member.")
        return await self._add(context, space_id, user_id, audit_action="space.member_added")

    async def _add(
        self,
        context: OrgContext,
        space_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        audit_action: str | None,
    ) -> tuple[SpaceMemberOut, bool]:
        existing = await repository.space_member(self.db, context, space_id, user_id)
        if existing is not None:
            return existing, False
        repository.add_member(self.db, context, space_id, user_id)
        if audit_action is not None:
            self._record(context, audit_action, space_id, target_user_id=user_id)
        try:
            await self.db.commit()
        except IntegrityError:  # a concurrent join got there first
            await self.db.rollback()
            created = False
        else:
            created = True
        member = await repository.space_member(self.db, context, space_id, user_id)
        if member is None:
            raise NotFound("No such space.")
        return member, created

    async def members(
        self, context: OrgContext, space_id: uuid.UUID, limit: int, cursor: str | None
    ) -> tuple[list[SpaceMemberOut], str | None]:
        row = await visible_space(self.db, context, space_id)
        if not may_list_space_members(context, row.access):
            raise SpaceContentLocked()
        page = self._page(f"space-members:{context.org_id}:{space_id}", limit, cursor)
        rows = await repository.space_members_page(
            self.db, context, space_id, after=page.after, limit=page.fetch
        )
        return page.cut(rows, lambda member: (member.added_at, member.id))

    async def remove_member(
        self, context: OrgContext, space_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        await visible_space(self.db, context, space_id)
        if not may_remove_from_space(context, user_id):
            raise Forbidden("Only admins remove others from a space.")
        if await repository.space_member(self.db, context, space_id, user_id) is None:
            raise NotFound("Not a member of this space.")
        await repository.remove_member(self.db, context, space_id, user_id)
        action = "space.member_left" if user_id == context.user_id else "space.member_removed"
        self._record(context, action, space_id, target_user_id=user_id)
        await self.db.commit()
