# ruff: noqa: S608  (SQL built from this module's own constants, never from input)
"""The leanest baseline of benchmarks.suite: FastAPI, SQLAlchemy Core over asyncpg, dict rows.

No middleware, no ORM session, no pydantic models: each handler runs statements built
once at import (the post list is the app's own Core statement, the others the same SQL
written out, a write and its read-back in one statement) on a pooled `AsyncConnection`,
takes the rows as dicts (`.mappings()`) and answers them as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from fastapi import Body, FastAPI, HTTPException, Response
from sqlalchemy import text

from app.core.clock import now
from app.core.database import Database
from app.core.security import new_session_token, token_hash
from app.core.settings import Settings
from app.posts.repository import _page_statement
from app.posts.schemas import EXCERPT_LENGTH

settings = Settings(database_url=os.environ["DATABASE_URL"])
database = Database(settings)
# reads outside a transaction, as the app's GET requests are (no BEGIN, no ROLLBACK)
READS = database.engine.execution_options(isolation_level="AUTOCOMMIT")
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

FIRST_PAGE = _page_statement(with_own_drafts=False, searching=False, paging=False)
LATER_PAGE = _page_statement(with_own_drafts=False, searching=False, paging=True)
COMMENTS = text("""
    SELECT c.id, c.post_id, c.author_id, u.display_name AS author_name, c.body, c.created_at,
           p.author_id AS post_author_id, p.status AS post_status, s.visibility,
           sm.id IS NOT NULL AS in_space
    FROM comments c JOIN users u ON u.id = c.author_id
    JOIN posts p ON p.id = c.post_id AND p.org_id = :org_id
    JOIN spaces s ON s.id = p.space_id
    LEFT JOIN space_memberships sm ON sm.space_id = p.space_id AND sm.user_id = :user_id
    WHERE c.org_id = :org_id AND c.post_id = :post_id
    ORDER BY c.created_at, c.id LIMIT :limit""")
CONVERSATIONS = text("""
    WITH page AS (
        SELECT c.id, c.created_at, c.last_message_at FROM conversations c
        JOIN conversation_participants p ON p.conversation_id = c.id
        WHERE c.org_id = :org_id AND p.membership_id = :membership_id AND p.user_id = :user_id
        ORDER BY c.last_message_at DESC, c.id DESC LIMIT :limit)
    SELECT page.id, page.created_at, page.last_message_at, cp.user_id, u.display_name
    FROM page JOIN conversation_participants cp ON cp.conversation_id = page.id
    JOIN users u ON u.id = cp.user_id
    ORDER BY page.last_message_at DESC, page.id DESC, u.display_name, cp.user_id""")
ME = text("SELECT id, email, display_name, bio, email_verified_at FROM users WHERE id = :user_id")
NEW_POST = text(f"""
    WITH p AS (
        INSERT INTO posts (id, org_id, space_id, author_id, title, body, status, created_at,
                           listed_at)
        VALUES (:id, :org_id, :space_id, :user_id, :title, :body, 'published', :at, :at)
        RETURNING *)
    SELECT p.id, p.space_id, p.author_id, u.display_name AS author_name, p.title,
           substr(p.body, 1, {EXCERPT_LENGTH}) AS excerpt, p.status, p.created_at, p.listed_at
    FROM p JOIN users u ON u.id = p.author_id""")
NEW_COMMENT = text("""
    WITH c AS (
        INSERT INTO comments (id, org_id, post_id, author_id, body, created_at)
        VALUES (:id, :org_id, :post_id, :user_id, :body, :at) RETURNING *)
    SELECT c.id, c.post_id, c.author_id, u.display_name AS author_name, c.body, c.created_at
    FROM c JOIN users u ON u.id = c.author_id""")
NEW_MESSAGE = text("""
    WITH m AS (
        INSERT INTO messages (id, org_id, conversation_id, sender_id, body, created_at)
        VALUES (:id, :org_id, :conversation_id, :user_id, :body, :at) RETURNING *),
    touched AS (
        UPDATE conversations SET last_message_at = :at
        WHERE id = :conversation_id AND org_id = :org_id RETURNING id)
    SELECT m.id, m.conversation_id, m.sender_id, u.display_name AS sender_name, m.body,
           m.created_at
    FROM m JOIN users u ON u.id = m.sender_id""")
USER_BY_EMAIL = text("SELECT id, password_hash FROM users WHERE email = :email")
NEW_SESSION = text("""
    INSERT INTO user_sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at,
                               ip, user_agent)
    VALUES (:id, :token_hash, :user_id, :at, :at, :expires_at, '', '')""")


def answer(value: Any, status_code: int = 200) -> Response:
    return Response(
        json.dumps(value, default=str), status_code=status_code, media_type="application/json"
    )


async def rows(statement: Any, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    async with READS.connect() as connection:
        result = await connection.execute(statement, parameters)
        return [dict(row) for row in result.mappings()]


async def written(statement: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    async with database.engine.begin() as connection:
        result = await connection.execute(
            statement, {"id": uuid.uuid4(), "at": now(), **parameters}
        )
        return dict(result.mappings().one())


@app.get("/posts")
async def list_posts(
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    space_id: uuid.UUID,
    after_listed_at: datetime | None = None,
    after_id: uuid.UUID | None = None,
    limit: int = 20,
) -> Response:
    parameters = {"org_id": org_id, "user_id": user_id, "space_id": space_id, "limit": limit + 1}
    statement = FIRST_PAGE
    if after_listed_at is not None and after_id is not None:
        parameters |= {"after_listed_at": after_listed_at, "after_id": after_id}
        statement = LATER_PAGE
    found = await rows(statement, parameters)
    items = [{key: row[key] for key in list(row)[:9]} for row in found[:limit]]
    return answer({"items": items, "next_cursor": None})


@app.get("/comments")
async def list_comments(
    org_id: uuid.UUID, user_id: uuid.UUID, post_id: uuid.UUID, limit: int = 50
) -> Response:
    parameters = {"org_id": org_id, "user_id": user_id, "post_id": post_id, "limit": limit + 1}
    found = await rows(COMMENTS, parameters)
    items = [{key: row[key] for key in list(row)[:6]} for row in found[:limit]]
    return answer({"items": items, "next_cursor": None})


@app.get("/conversations")
async def list_conversations(
    org_id: uuid.UUID, user_id: uuid.UUID, membership_id: uuid.UUID, limit: int = 20
) -> Response:
    parameters = {"org_id": org_id, "user_id": user_id, "membership_id": membership_id,
                  "limit": limit + 1}  # fmt: skip
    grouped: dict[uuid.UUID, dict[str, Any]] = {}
    for row in await rows(CONVERSATIONS, parameters):
        conversation = grouped.setdefault(
            row["id"], {"id": row["id"], "participants": [], "created_at": row["created_at"],
                        "last_message_at": row["last_message_at"]},
        )  # fmt: skip
        person = {"user_id": row["user_id"], "display_name": row["display_name"]}
        conversation["participants"].append(person)
    return answer({"items": list(grouped.values())[:limit], "next_cursor": None})


@app.get("/me")
async def read_me(user_id: uuid.UUID) -> Response:
    found = await rows(ME, {"user_id": user_id})
    if not found:
        raise HTTPException(404)
    user = found[0]
    verified = user.pop("email_verified_at") is not None
    return answer({**user, "email_verified": verified})


@app.post("/posts")
async def create_post(
    org_id: uuid.UUID, user_id: uuid.UUID, space_id: uuid.UUID, body: dict[str, Any] = Body()
) -> Response:
    parameters = {"org_id": org_id, "user_id": user_id, "space_id": space_id,
                  "title": str(body["title"]), "body": str(body["body"])}  # fmt: skip
    return answer(await written(NEW_POST, parameters), 201)


@app.post("/comments")
async def create_comment(
    org_id: uuid.UUID, user_id: uuid.UUID, post_id: uuid.UUID, body: dict[str, Any] = Body()
) -> Response:
    parameters = {"org_id": org_id, "user_id": user_id, "post_id": post_id,
                  "body": str(body["body"])}  # fmt: skip
    return answer(await written(NEW_COMMENT, parameters), 201)


@app.post("/messages")
async def send_message(
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    conversation_id: uuid.UUID,
    body: dict[str, Any] = Body(),
) -> Response:
    parameters = {"org_id": org_id, "user_id": user_id, "conversation_id": conversation_id,
                  "body": str(body["body"])}  # fmt: skip
    return answer(await written(NEW_MESSAGE, parameters), 201)


@app.post("/login")
async def login(body: dict[str, Any] = Body()) -> Response:
    found = await rows(USER_BY_EMAIL, {"email": str(body["email"])})
    if not found:
        raise HTTPException(401)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(hashing, hasher.verify, found[0]["password_hash"], body["password"])
    token, at = new_session_token(), now()
    async with database.engine.begin() as connection:
        await connection.execute(NEW_SESSION, {
            "id": uuid.uuid4(), "token_hash": token_hash(token), "user_id": found[0]["id"],
            "at": at, "expires_at": at + timedelta(days=7),
        })  # fmt: skip
    response = answer({"user_id": found[0]["id"]})
    response.set_cookie("session", token, httponly=True, secure=True, samesite="lax")
    return response
