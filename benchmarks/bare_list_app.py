"""The baseline for benchmarks.list_read: FastAPI and the same posts query, nothing else.

No middleware, no session, no org policy, no rate limiter: the handler runs the very
SELECT the real list route runs (same columns, filters, order and limit) on the same
async engine settings and returns the same pydantic models.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.database import Database
from app.core.settings import Settings
from app.posts.models import Post, PostStatus
from app.posts.schemas import EXCERPT_LENGTH, PostPage, PostSummary

database = Database(Settings(database_url=os.environ["DATABASE_URL"]))


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    await database.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/posts")
async def list_posts(org_id: uuid.UUID, space_id: uuid.UUID, limit: int = 20) -> PostPage:
    query = (
        select(
            Post.id,
            Post.space_id,
            Post.author_id,
            User.display_name,
            Post.title,
            func.substr(Post.body, 1, EXCERPT_LENGTH),
            Post.status,
            Post.created_at,
            Post.listed_at,
        )
        .join(User, User.id == Post.author_id)
        .where(
            Post.org_id == org_id,
            Post.space_id == space_id,
            Post.status == PostStatus.PUBLISHED,
        )
        .order_by(Post.listed_at.desc(), Post.id.desc())
        .limit(limit + 1)
    )
    async with database.sessionmaker() as db:
        rows = (await db.execute(query)).all()
    fields = PostSummary.model_fields
    items = [PostSummary(**dict(zip(fields, row, strict=True))) for row in rows[:limit]]
    return PostPage(items=items, next_cursor=None)
