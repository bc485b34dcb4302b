"""The queries of the accounts domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User, UserSession


async def user_by_email(db: AsyncSession, email: str) -> User | None:
    result = await db.execute(select(User).where(User.email == email))
    return result.scalar_one_or_none()


async def user_by_id(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await db.get(User, user_id)


async def email_is_taken(db: AsyncSession, email: str) -> bool:
    result = await db.execute(select(User.id).where(User.email == email))
    return result.first() is not None


_sessions = UserSession.__table__.c
_users = User.__table__.c
# Table columns, not mapped attributes: a select of them runs on Core, without the ORM's
# per-row result handling, and every request runs it. The caller's columns are named and
# ordered as the fields of `app.accounts.sessions.AuthenticatedUser`, which is made of
# them positionally: no mapping per request.
CALLER_COLUMNS = (
    _users.id,
    _users.email,
    _users.display_name,
    _users.email_verified_at.is_not(None).label("email_verified"),
    _users.bio,
    _sessions.id.label("session_id"),
)
SESSION_COLUMNS = (*CALLER_COLUMNS, _sessions.last_seen_at, _sessions.expires_at)


def session_query(token_hash: Any) -> Select[*tuple[Any, ...]]:
    """The session of a token (a value or a `bindparam`) with its user; callers may add
    columns and joins to it."""
    return (
        select(*SESSION_COLUMNS)
        .join(User.__table__, _users.id == _sessions.user_id)
        .where(_sessions.token_hash == token_hash)
    )


# Built once: its SQL and cache key are computed on first use, not per request.
_SESSION_BY_TOKEN_HASH = session_query(bindparam("token_hash"))


async def session_by_token_hash(db: AsyncSession, token_hash: str) -> Row[Any] | None:
    """The session of a token with its user: the columns of SESSION_COLUMNS, by name."""
    result = await db.execute(_SESSION_BY_TOKEN_HASH, {"token_hash": token_hash})
    return result.one_or_none()


async def touch_session(db: AsyncSession, session_id: uuid.UUID, seen_at: datetime) -> None:
    await db.execute(
        update(UserSession).where(UserSession.id == session_id).values(last_seen_at=seen_at)
    )


async def sessions_of(db: AsyncSession, user_id: uuid.UUID) -> list[UserSession]:
    result = await db.execute(
        select(UserSession)
        .where(UserSession.user_id == user_id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id)
    )
    return list(result.scalars())


async def delete_session(db: AsyncSession, session_id: uuid.UUID) -> None:
    await db.execute(delete(UserSession).where(UserSession.id == session_id))


async def delete_session_of_user(
    db: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
) -> bool:
    result = await db.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_sessions_of_user(
    db: AsyncSession, user_id: uuid.UUID, *, except_session: uuid.UUID | None = None
) -> int:
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if except_session is not None:
        statement = statement.where(UserSession.id != except_session)
    result = await db.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]
