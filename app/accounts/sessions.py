"""Session lifecycle: start one at login, resolve one per request, end them.

Defaults (settings `SESSION_IDLE_MINUTES`, `SESSION_ABSOLUTE_HOURS`): 7 days idle, 30
days absolute. A member platform is visited a few times a week from personal
devices, and a daily re-login would push members to weaker habits. ASVS L2 (V3.3)
asks for re-authentication after 12 hours or 30 minutes idle: set
`SESSION_IDLE_MINUTES=30 SESSION_ABSOLUTE_HOURS=12` to meet it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository
from app.accounts.models import UserSession
from app.core.clock import now
from app.core.logging import remember_secret
from app.core.request_meta import RequestMeta
from app.core.security import new_session_token, token_hash
from app.core.settings import Settings

# last_seen is written at most this often per session: a write per request would cost
# every read route a transaction, and idle expiry needs no finer grain.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class AuthenticatedUser:
    """The caller behind a valid session."""

    id: uuid.UUID
    email: str
    display_name: str
    email_verified: bool
    bio: str
    session_id: uuid.UUID


# A session row makes its AuthenticatedUser positionally: checked once, at import.
CALLER_WIDTH = len(repository.CALLER_COLUMNS)
_CALLER_NAMES = [column.key for column in repository.CALLER_COLUMNS]
if [field.name for field in fields(AuthenticatedUser)] != _CALLER_NAMES:
    raise TypeError("repository.CALLER_COLUMNS must be AuthenticatedUser's fields, in order")


def start_session(
    db: AsyncSession, settings: Settings, user_id: uuid.UUID, meta: RequestMeta
) -> tuple[str, UserSession]:
    """A brand-new random token (never one the client brought); only its hash is stored."""
    token = new_session_token()
    remember_secret(token)  # sent as a cookie, never logged
    moment = now()
    session = UserSession(
        id=uuid.uuid4(),
        token_hash=token_hash(token),
        user_id=user_id,
        created_at=moment,
        last_seen_at=moment,
        expires_at=moment + timedelta(hours=settings.session_absolute_hours),
        ip=meta.ip,
        user_agent=meta.user_agent,
    )
    db.add(session)
    return token, session


async def resolve_session(
    db: AsyncSession, settings: Settings, token: str
) -> AuthenticatedUser | None:
    """The user of a live session token, or None for an unknown, idle or expired one."""
    row = await repository.session_by_token_hash(db, token_hash(token))
    return await live_session(db, settings, row)


async def live_session(
    db: AsyncSession, settings: Settings, row: Row[Any] | None
) -> AuthenticatedUser | None:
    """The caller behind a looked-up session row (`repository.SESSION_COLUMNS` first),
    once its idle and absolute limits hold (an expired session is deleted; last_seen is
    written at most once a minute)."""
    if row is None:
        return None
    moment = now()
    idle_limit = timedelta(minutes=settings.session_idle_minutes)
    if moment >= row.expires_at or moment - row.last_seen_at >= idle_limit:
        await repository.delete_session(db, row.session_id)
        await db.commit()
        return None
    if moment - row.last_seen_at >= TOUCH_INTERVAL:
        await repository.touch_session(db, row.session_id, moment)
        await db.commit()
    return AuthenticatedUser(*row[:CALLER_WIDTH])
