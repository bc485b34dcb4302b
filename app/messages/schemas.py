"""Request and response bodies of conversations, messages and blocks, with their caps (C15)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.pagination import Page
from app.core.schemas import NotBlankText, RequestBody, examples

MAX_MESSAGE_LENGTH = 5_000
# Everyone in one conversation, the caller included.
MAX_PARTICIPANTS = 20


MessageBody = Annotated[str, NotBlankText(max_length=MAX_MESSAGE_LENGTH)]


class ConversationCreate(RequestBody):
    """The other participants: members of this org (the caller is always one)."""

    model_config = examples({"participant_ids": ["0b9e8d7c-6a5b-4c3d-8e2f-1a0b9c8d7e6f"]})

    participant_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_PARTICIPANTS - 1)


class ParticipantOut(BaseModel):
    user_id: uuid.UUID
    display_name: str


class ParticipantRecord(ParticipantOut):
    """A participant with the membership that deciding on the conversation needs."""

    membership_id: uuid.UUID = Field(exclude=True)


class ConversationOut(BaseModel):
    id: uuid.UUID
    participants: Sequence[ParticipantOut]
    created_at: datetime
    last_message_at: datetime


class ConversationRecord(ConversationOut):
    """A conversation as read for its caller: its participants' memberships say who may
    read it, and the response never shows them."""

    participants: Sequence[ParticipantRecord]


class ConversationPage(Page[ConversationOut]):
    pass


class MessageCreate(RequestBody):
    model_config = examples({"body": "Shall we meet on Thursday?"})

    body: MessageBody


class MessageOut(BaseModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    sender_id: uuid.UUID
    sender_name: str
    body: str
    created_at: datetime


class MessagePage(Page[MessageOut]):
    pass


class BlockCreate(RequestBody):
    """The member to block."""

    model_config = examples({"user_id": "0b9e8d7c-6a5b-4c3d-8e2f-1a0b9c8d7e6f"})

    user_id: uuid.UUID


class BlockOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    created_at: datetime


class BlockPage(Page[BlockOut]):
    pass
