"""Invites: by email, with a role and spaces; single use, 7 days, revocable, bound to the address.

The mailed token is signed and names the invite row; acceptance flips the row once.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.service import AccountService, NewSession
from app.accounts.sessions import AuthenticatedUser
from app.audit.service import record_event
from app.authz.org_context import OrgContext, record_denial, scope_of_accepted_invite
from app.authz.permissions import Role
from app.authz.rules import may_invite_as
from app.core.clock import now
from app.core.errors import BadRequest, Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from app.core.logging import remember_secret
from app.core.request_meta import RequestMeta
from app.core.service import RequestService
from app.core.settings import Settings
from app.core.signing import timed_serializer
from app.mail.service import enqueue_mail
from app.orgs import repository
from app.orgs.models import Invite
from app.orgs.schemas import InviteOut, InvitePreview
from app.spaces.service import add_to_spaces, spaces_in_org

INVITE_LIFETIME = timedelta(days=7)
INVITE_PURPOSE = "invite"


class InvalidInvite(BadRequest):
    code = "invalid_token"
    message = "This invitation is invalid, already used, revoked or expired."


class InviteForAnotherAddress(Forbidden):
    code = "invite_email_mismatch"
    message = "This invitation was sent to another address."


class AlreadyMember(Conflict):
    code = "already_member"
    message = "That address already belongs to a member of this org."


class AccountExists(Conflict):
    code = "account_exists"
    message = "An account uses this address: log in first, then accept the invitation."


def invite_out(invite: Invite) -> InviteOut:
    return InviteOut(
        id=invite.id,
        email=invite.email,
        role=Role(invite.role),
        space_ids=[uuid.UUID(space_id) for space_id in invite.space_ids],
        created_at=invite.created_at,
        expires_at=invite.expires_at,
    )


class InviteService(RequestService):
    def __init__(
        self, db: AsyncSession, settings: Settings, meta: RequestMeta, accounts: AccountService
    ) -> None:
        super().__init__(db, settings, meta)
        self.accounts = accounts

    def _serializer(self) -> URLSafeTimedSerializer:
        return timed_serializer(self.settings.signing_key(), INVITE_PURPOSE)

    def _token(self, invite: Invite) -> str:
        token = str(self._serializer().dumps(str(invite.id)))
        remember_secret(token)  # mailed, never logged
        return token

    # -- the admin's side -------------------------------------------------------------

    async def create(
        self, context: OrgContext, email: str, role: Role, space_ids: list[uuid.UUID]
    ) -> Invite:
        if not may_invite_as(context, role):
            await record_denial(self.db, context, self.meta, f"invite as {role}")
            raise Forbidden("You may not invite with a role above your own.")
        if await spaces_in_org(self.db, context.scope, space_ids) != set(space_ids):
            raise NotFound("No such space.")
        if await self._is_member(context, email):
            raise AlreadyMember()
        await self._cap_invite_mail(context, email)
        await repository.revoke_pending_invites_for(self.db, context, email)
        invite = repository.add_invite(
            self.db, context, email, role, space_ids, expires_at=now() + INVITE_LIFETIME
        )
        await self._mail_invite(context, invite)
        record_event(
            self.db, "invite.created", self.meta, org_id=context.org_id,
            actor_user_id=context.user_id, target_id=str(invite.id),
            details={"email": email, "role": str(role)},
        )  # fmt: skip
        await self.db.commit()
        return invite

    async def _cap_invite_mail(self, context: OrgContext, email: str) -> None:
        caps = self.accounts.mail_caps
        await caps.before_request_by("invite_create_user", context.user_id)
        await caps.before_request_by("invite_create_org", context.org_id)
        await caps.before_mailing(email)

    async def _is_member(self, context: OrgContext, email: str) -> bool:
        members = await repository.members_by_email(self.db, context, email)
        return bool(members)

    async def _mail_invite(self, context: OrgContext, invite: Invite) -> None:
        org = await repository.org_of(self.db, context)
        inviter = await repository.member(self.db, context, context.user_id)
        await enqueue_mail(
            self.db,
            template="invite",
            to=invite.email,
            context={
                "org_name": org.name if org else "",
                "inviter_name": inviter.display_name if inviter else "",
                "role": invite.role,
                "link": f"{self.settings.public_url}/invite#token={self._token(invite)}",
                "days": INVITE_LIFETIME.days,
            },
        )

    async def pending(
        self, context: OrgContext, limit: int, cursor: str | None
    ) -> tuple[list[Invite], str | None]:
        page = self._page(f"invites:{context.org_id}", limit, cursor)
        rows = await repository.pending_invites_page(
            self.db, context, after=page.after, limit=page.fetch
        )
        return page.cut(rows, lambda i: (i.created_at, i.id))

    async def revoke(self, context: OrgContext, invite_id: uuid.UUID) -> None:
        invite = await repository.invite(self.db, context, invite_id)
        if invite is None:
            raise NotFound()
        if invite.accepted_at is not None:
            raise Conflict("This invitation was already accepted.", code="invite_accepted")
        if invite.revoked_at is None:
            invite.revoked_at = now()
            record_event(
                self.db, "invite.revoked", self.meta, org_id=context.org_id,
                actor_user_id=context.user_id, target_id=str(invite.id),
            )  # fmt: skip
            await self.db.commit()

    # -- the invitee's side -----------------------------------------------------------

    async def _usable_invite(self, token: str) -> Invite:
        max_age = int(INVITE_LIFETIME.total_seconds())
        try:
            invite_id = uuid.UUID(self._serializer().loads(token, max_age=max_age))
        except (BadSignature, ValueError, TypeError) as exc:
            raise InvalidInvite() from exc
        invite = await repository.invite_by_id(self.db, invite_id)
        if (
            invite is None
            or invite.accepted_at is not None
            or invite.revoked_at is not None
            or invite.expires_at <= now()
        ):
            raise InvalidInvite()
        return invite

    async def preview(self, token: str) -> InvitePreview:
        invite = await self._usable_invite(token)
        org_name, inviter_name = await repository.invite_names(self.db, invite)
        return InvitePreview(org_name=org_name, inviter_name=inviter_name)

    async def accept_as(self, caller: AuthenticatedUser, token: str) -> Invite:
        invite = await self._usable_invite(token)
        if caller.email != invite.email:
            raise InviteForAnotherAddress()
        await self._join(invite, caller.id)
        await self.db.commit()
        return invite

    async def accept_as_new_account(
        self, token: str, password: str | None, display_name: str | None
    ) -> tuple[Invite, NewSession]:
        invite = await self._usable_invite(token)
        if password is None or display_name is None:
            raise NotAuthenticated(
                "Log in to accept, or give a password and display name for a new account."
            )
        if await self.accounts.email_is_taken(invite.email):
            raise AccountExists()
        try:
            user = await self.accounts.create_invited_account(invite.email, password, display_name)
            await self._join(invite, user.id)
            new_session = await self.accounts.open_session(user, "account.signup_by_invite")
        except IntegrityError:  # a concurrent accept made the account first
            await self.db.rollback()
            raise AccountExists() from None
        return invite, new_session

    async def _join(self, invite: Invite, user_id: uuid.UUID) -> None:
        if not await repository.mark_invite_accepted(self.db, invite.id, user_id):
            raise InvalidInvite()
        scope = scope_of_accepted_invite(invite)
        existing = await repository.membership_of_user(self.db, scope, user_id)
        if existing is None:
            repository.add_membership(self.db, scope, user_id, Role(invite.role))
        elif Role(invite.role).outranks(Role(existing.role)):
            existing.role = invite.role
        spaces = [uuid.UUID(space_id) for space_id in invite.space_ids]
        await add_to_spaces(self.db, scope, user_id, spaces)
        record_event(
            self.db, "invite.accepted", self.meta, org_id=invite.org_id,
            actor_user_id=user_id, target_user_id=user_id, target_id=str(invite.id),
        )  # fmt: skip
        if Role(invite.role) == Role.OWNER:  # never issued; refuse rather than trust a row
            raise Invalid("This invitation cannot be accepted.")
