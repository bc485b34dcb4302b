"""Org rules: creation, members and roles, ownership transfer, the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.sessions import AuthenticatedUser
from app.audit.models import AuditEvent
from app.audit.service import record_event
from app.authz.org_context import OrgContext, record_denial, scope_of_new_org
from app.authz.permissions import Role
from app.authz.rules import may_assign_role, may_remove_member, may_see_email_of
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.request_meta import RequestMeta
from app.core.service import RequestService
from app.orgs import repository
from app.orgs.models import Org
from app.orgs.schemas import MemberOut
from app.spaces.service import remove_from_all_spaces


@dataclass(frozen=True)
class AuditPerson:
    display_name: str
    email: str | None


class OrgCreationDisabled(Forbidden):
    code = "org_creation_disabled"
    message = "Creating orgs is switched off here; ask the operator."


class SlugTaken(Conflict):
    code = "slug_taken"
    message = "That slug is taken."


def as_seen_by(context: OrgContext, member: MemberOut) -> MemberOut:
    """The member as the caller may see them: the email only where `may_see_email_of`."""
    if may_see_email_of(context, member.user_id):
        return member
    return member.model_copy(update={"email": None})


async def create_org_with_owner(
    db: AsyncSession, name: str, slug: str, owner_id: uuid.UUID, meta: RequestMeta
) -> Org:
    """A new org and its owner's membership, in one transaction (also used by the CLI)."""
    if await repository.slug_is_taken(db, slug):
        raise SlugTaken()
    org = Org(id=uuid.uuid4(), name=name, slug=slug)
    db.add(org)
    await db.flush()
    repository.add_membership(db, scope_of_new_org(org.id), owner_id, Role.OWNER)
    record_event(db, "org.created", meta, org_id=org.id, actor_user_id=owner_id)
    try:
        await db.commit()
    except IntegrityError as exc:
        await db.rollback()
        raise SlugTaken() from exc
    return org


class OrgService(RequestService):
    async def _deny(self, context: OrgContext, attempted: str) -> Forbidden:
        await record_denial(self.db, context, self.meta, attempted)
        return Forbidden()

    async def create(self, caller: AuthenticatedUser, name: str, slug: str) -> Org:
        if not self.settings.allow_org_creation:
            raise OrgCreationDisabled()
        return await create_org_with_owner(self.db, name, slug, caller.id, self.meta)

    async def org(self, context: OrgContext) -> Org:
        org = await repository.org_of(self.db, context)
        if org is None:
            raise NotFound()
        return org

    async def update(self, context: OrgContext, name: str | None, slug: str | None) -> Org:
        org = await self.org(context)
        if slug is not None and slug != org.slug:
            if await repository.slug_is_taken(self.db, slug):
                raise SlugTaken()
            org.slug = slug
        if name is not None:
            org.name = name
        record_event(
            self.db, "org.updated", self.meta, org_id=org.id, actor_user_id=context.user_id
        )
        await self.db.commit()
        return org

    async def my_orgs(self, caller: AuthenticatedUser) -> list[tuple[Org, str]]:
        return await repository.orgs_of_user(self.db, caller.id)

    # -- members ----------------------------------------------------------------------

    async def members(
        self, context: OrgContext, limit: int, cursor: str | None
    ) -> tuple[list[MemberOut], str | None]:
        page = self._page(f"members:{context.org_id}", limit, cursor)
        rows = await repository.members_page(self.db, context, after=page.after, limit=page.fetch)
        items, next_cursor = page.cut(rows, lambda member: (member.joined_at, member.id))
        return [as_seen_by(context, member) for member in items], next_cursor

    async def member(self, context: OrgContext, user_id: uuid.UUID) -> MemberOut:
        """The member as the caller may see them."""
        member = await repository.member(self.db, context, user_id)
        if member is None:
            raise NotFound()
        return as_seen_by(context, member)

    async def member_by_email(self, context: OrgContext, email: str) -> MemberOut:
        """The member of this org with that (normalized) email: 404 for anyone else."""
        rows = await repository.members_by_email(self.db, context, email)
        if not rows:
            raise NotFound("No such member.")
        return rows[0]

    async def change_role(
        self, context: OrgContext, user_id: uuid.UUID, new_role: Role
    ) -> MemberOut:
        target = await self.member(context, user_id)
        if not may_assign_role(context, target.role, new_role):
            raise await self._deny(context, f"role {target.role} -> {new_role}")
        await repository.set_role(self.db, context, user_id, new_role)
        record_event(
            self.db, "member.role_changed", self.meta, org_id=context.org_id,
            actor_user_id=context.user_id, target_user_id=user_id,
            details={"from": str(target.role), "to": str(new_role)},
        )  # fmt: skip
        await self.db.commit()
        return await self.member(context, user_id)

    async def remove(self, context: OrgContext, user_id: uuid.UUID) -> None:
        target = await self.member(context, user_id)
        if not may_remove_member(context, user_id, target.role):
            raise await self._deny(context, "remove member")
        await remove_from_all_spaces(self.db, context, user_id)
        await repository.remove_member(self.db, context, user_id)
        action = "member.left" if user_id == context.user_id else "member.removed"
        record_event(
            self.db, action, self.meta, org_id=context.org_id,
            actor_user_id=context.user_id, target_user_id=user_id,
        )  # fmt: skip
        await self.db.commit()

    async def transfer_ownership(self, context: OrgContext, user_id: uuid.UUID) -> None:
        """The owner hands the org to another member and stays on as an admin."""
        target = await self.member(context, user_id)
        if user_id == context.user_id or context.role != Role.OWNER:
            raise await self._deny(context, "transfer ownership")
        await repository.set_role(self.db, context, user_id, Role.OWNER)
        await repository.set_role(self.db, context, context.user_id, Role.ADMIN)
        record_event(
            self.db, "org.ownership_transferred", self.meta, org_id=context.org_id,
            actor_user_id=context.user_id, target_user_id=user_id,
            details={"previous_role_of_new_owner": str(target.role)},
        )  # fmt: skip
        await self.db.commit()

    # -- audit log --------------------------------------------------------------------

    async def audit_log(
        self, context: OrgContext, limit: int, cursor: str | None
    ) -> tuple[list[AuditEvent], str | None]:
        page = self._page(f"audit:{context.org_id}", limit, cursor)
        rows = await repository.audit_page(self.db, context, before=page.after, limit=page.fetch)
        return page.cut(rows, lambda event: (event.created_at, event.id))

    async def people_of_events(
        self, context: OrgContext, events: list[AuditEvent]
    ) -> dict[uuid.UUID, AuditPerson]:
        """Who the events name, by display name, with the email where the caller may see it."""
        rows = await repository.people_of_events(self.db, context, [e.id for e in events])
        return {
            user_id: AuditPerson(name, email if may_see_email_of(context, user_id) else None)
            for user_id, name, email in rows
        }
