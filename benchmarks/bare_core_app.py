"""The second baseline for the post list: SQLAlchemy Core over asyncpg, dict rows.

One statement built at import with bind parameters (no per-request construction or
cache key), run on an `AsyncConnection` (no ORM session), rows handed out as dicts:
the cheapest a handler on this stack can be while still going through SQLAlchemy.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import bindparam, func, select, tuple_

from app.accounts.models import User
from app.core.database import Database
from app.core.settings import Settings
from app.posts.models import Post, PostStatus
from app.posts.schemas import EXCERPT_LENGTH

database = Database(Settings(database_url=os.environ["DATABASE_URL"]))

_COLUMNS = (
    Post.id, Post.space_id, Post.author_id, User.display_name.label("author_display_name"),
    Post.title, func.substr(Post.body, 1, EXCERPT_LENGTH).label("excerpt"), Post.status,
    Post.created_at, Post.listed_at,
)  # fmt: skip
_FIRST_PAGE = (
    select(*_COLUMNS)
    .join(User, User.id == Post.author_id)
    .where(
        Post.org_id == bindparam("org_id"),
        Post.space_id == bindparam("space_id"),
        Post.status == PostStatus.PUBLISHED,
    )
    .order_by(Post.listed_at.desc(), Post.id.desc())
    .limit(bindparam("limit"))
)
_AFTER = tuple_(
    bindparam("after_listed_at", type_=Post.listed_at.type),
    bindparam("after_id", type_=Post.id.type),
)
_DEEP_PAGE = _FIRST_PAGE.where(tuple_(Post.listed_at, Post.id) < _AFTER)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    await database.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/posts")
async def list_posts(
    org_id: uuid.UUID,
    space_id: uuid.UUID,
    limit: int = 20,
    after_listed_at: datetime | None = None,
    after_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    parameters: dict[str, Any] = {"org_id": org_id, "space_id": space_id, "limit": limit + 1}
    statement = _FIRST_PAGE
    if after_listed_at is not None and after_id is not None:
        statement = _DEEP_PAGE
        parameters |= {"after_listed_at": after_listed_at, "after_id": after_id}
    async with database.engine.connect() as connection:
        rows = (await connection.execute(statement, parameters)).mappings().all()
    return {"items": [dict(row) for row in rows[:limit]], "next_cursor": None}
