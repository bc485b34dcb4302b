"""Direct-message rules: conversations between members of one org, read and written only
by their participants (admins and the owner are no exception), and blocks.

A conversation the caller is not part of is 404 to them, whoever they are. A block
(see `rules.may_message`) is answered 403 `blocked`: the other member is visible in the
org anyway, so a 404 would hide nothing, and a plain refusal tells the truth.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz.org_context import OrgContext
from app.authz.rules import may_message, may_read_conversation
from app.core.clock import now
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.pagination import page_request
from app.core.settings import Settings
from app.messages import repository
from app.messages.schemas import BlockOut, ConversationRecord, MessageOut


class Blocked(Forbidden):
    code = "blocked"
    message = "A block between you and a participant stops messages in this conversation."


def participant_key(membership_ids: Iterable[uuid.UUID]) -> str:
    """One key per set of memberships: the same people reuse their conversation, and a
    member who left and came back (a new membership) starts a new one."""
    joined = ",".join(sorted(str(membership_id) for membership_id in membership_ids))
    return hashlib.sha256(joined.encode()).hexdigest()


class MessageService:
    def __init__(self, db: AsyncSession, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    # -- conversations ----------------------------------------------------------------

    async def open(
        self, context: OrgContext, participant_ids: Iterable[uuid.UUID]
    ) -> tuple[ConversationRecord, bool]:
        """The conversation of the caller and these members, and whether it is new."""
        others = set(participant_ids) - {context.user_id}
        if not others:
            raise Invalid("Name at least one other member.", code="no_other_participant")
        memberships = await repository.memberships_of(self.db, context, others)
        if set(memberships) != others:
            raise NotFound("No such member.")
        memberships[context.user_id] = context.membership_id
        blocks = await repository.blocks_among(self.db, context, set(memberships))
        if not may_message(context, blocks):
            raise Blocked()
        key = participant_key(memberships.values())
        existing = await repository.conversation_id_by_key(self.db, context, key)
        if existing is not None:
            return await self.conversation(context, existing), False
        conversation_id = repository.add_conversation(self.db, context, key, memberships)
        try:
            await self.db.flush()
            row = await self.conversation(context, conversation_id)
            await self.db.commit()
        except IntegrityError:  # the same conversation was opened concurrently
            await self.db.rollback()
            existing = await repository.conversation_id_by_key(self.db, context, key)
            if existing is None:
                raise
            return await self.conversation(context, existing), False
        return row, True

    async def conversations(
        self, context: OrgContext, limit: int, cursor: str | None
    ) -> tuple[list[ConversationRecord], str | None]:
        scope = f"conversations:{context.org_id}:{context.membership_id}"
        page = page_request(self.settings.signing_key(), scope, limit, cursor)
        rows = await repository.conversations_page(
            self.db, context, before=page.after, limit=page.fetch
        )
        return page.cut(rows, lambda row: (row.last_message_at, row.id))

    async def conversation(
        self, context: OrgContext, conversation_id: uuid.UUID
    ) -> ConversationRecord:
        row = await repository.conversation(self.db, context, conversation_id)
        memberships = (p.membership_id for p in row.participants) if row else ()
        if row is None or not may_read_conversation(context, memberships):
            raise NotFound("No such conversation.")
        return row

    # -- messages ---------------------------------------------------------------------

    async def messages(
        self, context: OrgContext, conversation_id: uuid.UUID, limit: int, cursor: str | None
    ) -> tuple[list[MessageOut], str | None]:
        await self.conversation(context, conversation_id)
        scope = f"messages:{context.org_id}:{conversation_id}"
        page = page_request(self.settings.signing_key(), scope, limit, cursor)
        rows = await repository.messages_page(
            self.db, context, conversation_id, before=page.after, limit=page.fetch
        )
        return page.cut(rows, lambda row: (row.created_at, row.id))

    async def send(self, context: OrgContext, conversation_id: uuid.UUID, body: str) -> MessageOut:
        conversation = await self.conversation(context, conversation_id)
        people = {participant.user_id for participant in conversation.participants}
        if not may_message(context, await repository.blocks_among(self.db, context, people)):
            raise Blocked()
        message_id = await repository.add_message(self.db, context, conversation_id, body, now())
        # Answer from what was written: read before the commit (see PostService.create).
        await self.db.flush()
        row = await repository.message(self.db, context, message_id)
        await self.db.commit()
        return row

    # -- blocks -----------------------------------------------------------------------

    async def block(self, context: OrgContext, user_id: uuid.UUID) -> tuple[BlockOut, bool]:
        """The caller's block of a member of the org, and whether it is new."""
        if user_id == context.user_id:
            raise Invalid("You cannot block yourself.", code="self_block")
        if not await repository.memberships_of(self.db, context, {user_id}):
            raise NotFound("No such member.")
        existing = await repository.block(self.db, context, user_id)
        if existing is not None:
            return existing, False
        repository.add_block(self.db, context, user_id)
        try:
            await self.db.commit()
            created = True
        except IntegrityError:  # blocked concurrently
            await self.db.rollback()
            created = False
        row = await repository.block(self.db, context, user_id)
        if row is None:
            raise NotFound("No such member.")
        return row, created

    async def unblock(self, context: OrgContext, user_id: uuid.UUID) -> None:
        if not await repository.remove_block(self.db, context, user_id):
            raise NotFound("You have not blocked this member.")
        await self.db.commit()

    async def blocks(
        self, context: OrgContext, limit: int, cursor: str | None
    ) -> tuple[list[BlockOut], str | None]:
        scope = f"blocks:{context.org_id}:{context.user_id}"
        page = page_request(self.settings.signing_key(), scope, limit, cursor)
        rows = await repository.blocks_page(self.db, context, after=page.after, limit=page.fetch)
        return page.cut(rows, lambda row: (row.created_at, row.id))
