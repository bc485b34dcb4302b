"""The baseline of benchmarks.suite: FastAPI and the app's own statements, nothing else.

No middleware, no session cookie, no CSRF, no org policy, no rate limiter, no access
log: each handler calls the very repository functions the real route ends in (same
statements, same ORM session from `app.core.database.Database`, same commit points;
reads outside a transaction, as the app's GET requests are)
for the member, org and membership named in the query string, and answers the same
pydantic models.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import Depends, FastAPI, HTTPException, Response
from pydantic import BaseModel

from app.accounts import repository as accounts
from app.accounts.endpoints import me_of
from app.accounts.models import UserSession
from app.accounts.schemas import Me
from app.authz import org_context
from app.authz.org_context import OrgContext
from app.authz.permissions import Role
from app.core.clock import now
from app.core.database import Database
from app.core.security import new_session_token, token_hash
from app.core.settings import Settings
from app.messages import repository as messages
from app.messages.schemas import ConversationPage, MessageOut
from app.posts import repository as posts
from app.posts.schemas import CommentOut, CommentPage, PostOut, PostPage

settings = Settings(database_url=os.environ["DATABASE_URL"])
database = Database(settings)
hasher = PasswordHasher(
    time_cost=settings.argon2_time_cost,
    memory_cost=settings.argon2_memory_kib,
    parallelism=settings.argon2_parallelism,
)
hashing = ThreadPoolExecutor(max_workers=settings.password_hash_concurrency)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    await database.dispose()


app = FastAPI(lifespan=lifespan)


def caller(org_id: uuid.UUID, user_id: uuid.UUID, membership_id: uuid.UUID) -> OrgContext:
    """What the org policy would have made (no lookup: the ids are given)."""
    return OrgContext(
        org_id=org_id,
        user_id=user_id,
        role=Role.MEMBER,
        membership_id=membership_id,
        payment_active=True,
        _seal=org_context._ISSUED_BY_AUTHZ,
    )


Caller = Annotated[OrgContext, Depends(caller)]


def _after(
    listed_at: datetime | None, item_id: uuid.UUID | None
) -> tuple[datetime, uuid.UUID] | None:
    return (listed_at, item_id) if listed_at is not None and item_id is not None else None


@app.get("/posts")
async def list_posts(
    context: Caller,
    space_id: uuid.UUID,
    after_listed_at: datetime | None = None,
    after_id: uuid.UUID | None = None,
    limit: int = 20,
) -> PostPage:
    async with database.read_sessionmaker() as db:
        rows, _ = await posts.posts_page(
            db, context, space_id, with_own_drafts=False, search=None,
            after=_after(after_listed_at, after_id), limit=limit + 1,
        )  # fmt: skip
    return PostPage(items=rows[:limit], next_cursor=None)


@app.get("/comments")
async def list_comments(context: Caller, post_id: uuid.UUID, limit: int = 50) -> CommentPage:
    async with database.read_sessionmaker() as db:
        rows, _ = await posts.comments_page(db, context, post_id, after=None, limit=limit + 1)
    return CommentPage(items=rows[:limit], next_cursor=None)


@app.get("/conversations")
async def list_conversations(context: Caller, limit: int = 20) -> ConversationPage:
    async with database.read_sessionmaker() as db:
        rows = await messages.conversations_page(db, context, before=None, limit=limit + 1)
    return ConversationPage(items=rows[:limit], next_cursor=None)


@app.get("/me")
async def read_me(user_id: uuid.UUID) -> Me:
    async with database.read_sessionmaker() as db:
        user = await accounts.user_by_id(db, user_id)
    if user is None:
        raise HTTPException(404)
    return me_of(user)


class PostIn(BaseModel):
    title: str
    body: str
    status: str = "published"


class TextIn(BaseModel):
    body: str


@app.post("/posts", status_code=201)
async def create_post(context: Caller, space_id: uuid.UUID, body: PostIn) -> PostOut:
    async with database.sessionmaker() as db:
        post_id = posts.add_post(db, context, space_id, body.title, body.body, body.status)
        await db.flush()
        row = await posts.post(db, context, post_id)
        await db.commit()
    assert row is not None  # noqa: S101 (just written)
    return row


@app.post("/comments", status_code=201)
async def create_comment(context: Caller, post_id: uuid.UUID, body: TextIn) -> CommentOut:
    async with database.sessionmaker() as db:
        comment_id = posts.add_comment(db, context, post_id, body.body)
        await db.flush()
        row = await posts.comment(db, context, comment_id)
        await db.commit()
    return row


@app.post("/messages", status_code=201)
async def send_message(context: Caller, conversation_id: uuid.UUID, body: TextIn) -> MessageOut:
    async with database.sessionmaker() as db:
        message_id = await messages.add_message(db, context, conversation_id, body.body, now())
        await db.flush()
        row = await messages.message(db, context, message_id)
        await db.commit()
    return row


class LoginIn(BaseModel):
    email: str
    password: str


@app.post("/login")
async def login(body: LoginIn, response: Response) -> dict[str, str]:
    """The lookup and the session write in two short sessions: no pooled connection is
    held while the hash is checked (as the app's admission and executor arrange)."""
    async with database.sessionmaker() as db:
        user = await accounts.user_by_email(db, body.email)
    if user is None:
        raise HTTPException(401)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(hashing, hasher.verify, user.password_hash, body.password)
    token = new_session_token()
    async with database.sessionmaker() as db:
        db.add(UserSession(token_hash=token_hash(token), user_id=user.id,
                           expires_at=now() + timedelta(days=7)))  # fmt: skip
        await db.commit()
    response.set_cookie("session", token, httponly=True, secure=True, samesite="lax")
    return {"user_id": str(user.id)}
