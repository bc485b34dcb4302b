"""The queries of conversations, messages and blocks.

Every query takes the `OrgContext` and filters by its org. The caller's own
conversations are found through participations of their current membership.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.authz.org_context import OrgContext
from app.core.pagination import SortKey, newest_first, oldest_first
from app.core.schemas import Records
from app.messages.models import Block, Conversation, ConversationParticipant, Message
from app.messages.schemas import BlockOut, ConversationRecord, MessageOut
from app.orgs.models import Membership

CONVERSATIONS = Records(ConversationRecord)
MESSAGES = Records(MessageOut)
BLOCKS = Records(BlockOut)


async def memberships_of(
    db: AsyncSession, context: OrgContext, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Membership ID by user ID, for those of `user_ids` who are members of the org."""
    result = await db.execute(
        select(Membership.user_id, Membership.id).where(
            Membership.org_id == context.org_id, Membership.user_id.in_(user_ids)
        )
    )
    return {user_id: membership_id for user_id, membership_id in result.all()}


# -- conversations ----------------------------------------------------------------------


def _with_participants(conversations: Any) -> Select[*tuple[Any, ...]]:
    """Rows of (conversation, one participant) for the conversations in `conversations`."""
    return (
        select(
            conversations.c.id,
            conversations.c.created_at,
            conversations.c.last_message_at,
            ConversationParticipant.user_id,
            ConversationParticipant.membership_id,
            User.display_name,
        )
        .join(
            ConversationParticipant,
            ConversationParticipant.conversation_id == conversations.c.id,
        )
        .join(User, User.id == ConversationParticipant.user_id)
    )


def _grouped(rows: Iterable[RowMapping]) -> list[ConversationRecord]:
    """One record a conversation of rows of (conversation, one participant), in order."""
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        conversation = found.setdefault(
            row["id"],
            {
                "id": row["id"],
                "created_at": row["created_at"],
                "last_message_at": row["last_message_at"],
                "participants": [],
            },
        )
        conversation["participants"].append(dict(row))
    return CONVERSATIONS.all(found.values())


async def conversation(
    db: AsyncSession, context: OrgContext, conversation_id: uuid.UUID
) -> ConversationRecord | None:
    """The conversation with all its participants; the caller decides who may see it."""
    one = (
        select(Conversation.id, Conversation.created_at, Conversation.last_message_at)
        .where(Conversation.id == conversation_id, Conversation.org_id == context.org_id)
        .subquery()
    )
    query = _with_participants(one).order_by(User.display_name, ConversationParticipant.user_id)
    rows = _grouped((await db.execute(query)).mappings())
    return rows[0] if rows else None


async def conversations_page(
    db: AsyncSession,
    context: OrgContext,
    *,
    before: SortKey | None,
    limit: int,
) -> list[ConversationRecord]:
    """The caller's conversations, latest activity first, in one query with participants."""
    mine = (
        select(Conversation.id, Conversation.created_at, Conversation.last_message_at)
        .join(ConversationParticipant, ConversationParticipant.conversation_id == Conversation.id)
        .where(
            Conversation.org_id == context.org_id,
            ConversationParticipant.membership_id == context.membership_id,
            ConversationParticipant.user_id == context.user_id,
        )
    )
    key = (Conversation.last_message_at, Conversation.id)
    page = newest_first(mine, key, before, limit).subquery()
    query = _with_participants(page).order_by(
        page.c.last_message_at.desc(),
        page.c.id.desc(),
        User.display_name,
        ConversationParticipant.user_id,
    )
    return _grouped((await db.execute(query)).mappings())


async def conversation_id_by_key(
    db: AsyncSession, context: OrgContext, participant_key: str
) -> uuid.UUID | None:
    result = await db.execute(
        select(Conversation.id).where(
            Conversation.org_id == context.org_id,
            Conversation.participant_key == participant_key,
        )
    )
    return result.scalar_one_or_none()


def add_conversation(
    db: AsyncSession,
    context: OrgContext,
    participant_key: str,
    memberships: Mapping[uuid.UUID, uuid.UUID],
) -> uuid.UUID:
    conversation_id = uuid.uuid4()
    db.add(Conversation(id=conversation_id, org_id=context.org_id, participant_key=participant_key))
    db.add_all(
        ConversationParticipant(
            org_id=context.org_id,
            conversation_id=conversation_id,
            user_id=user_id,
            membership_id=membership_id,
        )
        for user_id, membership_id in memberships.items()
    )
    return conversation_id


# -- messages ---------------------------------------------------------------------------


def _message_rows() -> Select[*tuple[Any, ...]]:
    """The columns of a MessageOut, its sender's name joined."""
    return select(
        Message.id,
        Message.conversation_id,
        Message.sender_id,
        User.display_name.label("sender_name"),
        Message.body,
        Message.created_at,
    ).join(User, User.id == Message.sender_id)


def _messages_of(context: OrgContext, conversation_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    return _message_rows().where(
        Message.org_id == context.org_id, Message.conversation_id == conversation_id
    )


async def messages_page(
    db: AsyncSession,
    context: OrgContext,
    conversation_id: uuid.UUID,
    *,
    before: SortKey | None,
    limit: int,
) -> list[MessageOut]:
    """Newest first: a client pages back through the history."""
    messages = _messages_of(context, conversation_id)
    key = (Message.created_at, Message.id)
    return await MESSAGES.fetch_all(db, newest_first(messages, key, before, limit))


async def add_message(
    db: AsyncSession,
    context: OrgContext,
    conversation_id: uuid.UUID,
    body: str,
    sent_at: datetime,
) -> uuid.UUID:
    message_id = uuid.uuid4()
    db.add(
        Message(
            id=message_id,
            org_id=context.org_id,
            conversation_id=conversation_id,
            sender_id=context.user_id,
            body=body,
            created_at=sent_at,
        )
    )
    await db.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.org_id == context.org_id)
        .values(last_message_at=sent_at)
    )
    return message_id


async def message(db: AsyncSession, context: OrgContext, message_id: uuid.UUID) -> MessageOut:
    query = _message_rows().where(Message.id == message_id, Message.org_id == context.org_id)
    return MESSAGES.one((await db.execute(query)).mappings().one())


# -- blocks -----------------------------------------------------------------------------


async def blocks_among(
    db: AsyncSession, context: OrgContext, user_ids: Collection[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Every (blocker, blocked) pair in the org with both sides in `user_ids`."""
    result = await db.execute(
        select(Block.blocker_id, Block.blocked_id).where(
            Block.org_id == context.org_id,
            Block.blocker_id.in_(user_ids),
            Block.blocked_id.in_(user_ids),
        )
    )
    return [(blocker, blocked) for blocker, blocked in result.all()]


def _blocks_by(context: OrgContext) -> Select[*tuple[Any, ...]]:
    return (
        select(Block.id, Block.blocked_id.label("user_id"), User.display_name, Block.created_at)
        .join(User, User.id == Block.blocked_id)
        .where(Block.org_id == context.org_id, Block.blocker_id == context.user_id)
    )


async def block(db: AsyncSession, context: OrgContext, user_id: uuid.UUID) -> BlockOut | None:
    return await BLOCKS.fetch_one_or_none(
        db, _blocks_by(context).where(Block.blocked_id == user_id)
    )


async def blocks_page(
    db: AsyncSession,
    context: OrgContext,
    *,
    after: SortKey | None,
    limit: int,
) -> list[BlockOut]:
    key = (Block.created_at, Block.id)
    return await BLOCKS.fetch_all(db, oldest_first(_blocks_by(context), key, after, limit))


def add_block(db: AsyncSession, context: OrgContext, user_id: uuid.UUID) -> None:
    db.add(Block(org_id=context.org_id, blocker_id=context.user_id, blocked_id=user_id))


async def remove_block(db: AsyncSession, context: OrgContext, user_id: uuid.UUID) -> bool:
    result = await db.execute(
        delete(Block).where(
            Block.org_id == context.org_id,
            Block.blocker_id == context.user_id,
            Block.blocked_id == user_id,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
