"""HTTP routes of direct messages and blocks (`/orgs/{org_id}/...`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request, Response, status

from app.authz.caller import caller_id
from app.authz.policies import OrgMember
from app.core.api_docs import RATE_LIMITED_PER_USER, created_or_existing, errors, existing
from app.core.dependencies import DbSession, settings_of
from app.core.json_body import api_router
from app.core.limits import rate_limit
from app.core.pagination import Paging
from app.idempotency.service import IDEMPOTENT
from app.messages.schemas import (
    BlockCreate,
    BlockOut,
    BlockPage,
    ConversationCreate,
    ConversationOut,
    ConversationPage,
    MessageCreate,
    MessageOut,
    MessagePage,
)
from app.messages.service import MessageService

router = api_router(prefix="/orgs/{org_id}", tags=["messages"])


async def message_service(request: Request, db: DbSession) -> MessageService:
    return MessageService(db, settings_of(request))


Messages = Annotated[MessageService, Depends(message_service)]


BLOCKED_NOTE = (
    "A participant blocked the caller, or the caller blocked them (`blocked`); or the CSRF "
    "header or Origin is wrong."
)


@router.post(
    "/conversations",
    status_code=status.HTTP_201_CREATED,
    dependencies=IDEMPOTENT,
    summary="Start a conversation",
    responses={
        **existing(ConversationOut, "The existing conversation of the same participants."),
        **errors(
            notes={
                403: BLOCKED_NOTE,
                404: "A participant is not a member of this org.",
                422: "The request is not valid, e.g. it names no one but the caller "
                "(`no_other_participant`); `details` names each field.",
            }
        ),
    },
)
async def open_conversation(
    org: OrgMember, body: ConversationCreate, messages: Messages, response: Response
) -> ConversationOut:
    """Open a direct conversation with other members of the org (the caller is always
    in it): 201 with a new one, 200 with the existing conversation of exactly the same
    participants."""
    conversation, created = await messages.open(org, body.participant_ids)
    created_or_existing(response, created)
    return conversation


@router.get("/conversations", summary="List my conversations")
async def list_conversations(org: OrgMember, messages: Messages, page: Paging) -> ConversationPage:
    """The caller's conversations in this org, latest activity first, a page at a
    time."""
    return ConversationPage.of_items(await messages.conversations(org, page.limit, page.cursor))


@router.get("/conversations/{conversation_id}", summary="Read a conversation")
async def read_conversation(
    org: OrgMember, conversation_id: uuid.UUID, messages: Messages
) -> ConversationOut:
    """A conversation's participants and last activity. One the caller is not in is a
    404."""
    return await messages.conversation(org, conversation_id)


@router.get("/conversations/{conversation_id}/messages", summary="List a conversation's messages")
async def list_messages(
    org: OrgMember, conversation_id: uuid.UUID, messages: Messages, page: Paging
) -> MessagePage:
    """The messages of a conversation the caller is in, newest first; `next_cursor`
    pages back through the history."""
    found = await messages.messages(org, conversation_id, page.limit, page.cursor)
    return MessagePage.of_items(found)


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=status.HTTP_201_CREATED,
    dependencies=[*IDEMPOTENT, rate_limit("message_send_user", key=caller_id)],
    summary="Send a message",
    responses=errors(429, notes={403: BLOCKED_NOTE, 429: RATE_LIMITED_PER_USER}),
)
async def send_message(
    org: OrgMember,
    conversation_id: uuid.UUID,
    body: MessageCreate,
    messages: Messages,
) -> MessageOut:
    """Write to a conversation the caller is in."""
    return await messages.send(org, conversation_id, body.body)


@router.post(
    "/blocks",
    status_code=status.HTTP_201_CREATED,
    dependencies=IDEMPOTENT,
    summary="Block a member",
    responses={
        **existing(BlockOut, "The member was blocked already."),
        **errors(
            notes={
                404: "The user is not a member of this org.",
                422: "The request is not valid, e.g. the caller names themself "
                "(`self_block`); `details` names each field.",
            }
        ),
    },
)
async def block_member(
    org: OrgMember, body: BlockCreate, messages: Messages, response: Response
) -> BlockOut:
    """Stop a member of the org from opening or writing to a conversation with the
    caller: 201 for a new block, 200 when the member was blocked already."""
    block, created = await messages.block(org, body.user_id)
    created_or_existing(response, created)
    return block


@router.get("/blocks", summary="List the members I blocked")
async def list_blocks(org: OrgMember, messages: Messages, page: Paging) -> BlockPage:
    """The members of this org the caller blocked, a page at a time."""
    return BlockPage.of_items(await messages.blocks(org, page.limit, page.cursor))


@router.delete(
    "/blocks/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Unblock a member"
)
async def unblock_member(org: OrgMember, user_id: uuid.UUID, messages: Messages) -> None:
    """Lift a block; a member the caller has not blocked is a 404."""
    await messages.unblock(org, user_id)
