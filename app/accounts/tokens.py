"""Mailed tokens: signed with itsdangerous, made single-use by an `AccountToken` row.

The signed value carries only the row's ID. Consuming marks the row used in one
conditional UPDATE, so two concurrent uses cannot both succeed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import AccountToken, TokenPurpose
from app.core.clock import now
from app.core.errors import BadRequest
from app.core.logging import remember_secret
from app.core.signing import timed_serializer

TOKEN_LIFETIMES = {
    TokenPurpose.VERIFY_EMAIL: timedelta(hours=48),
    TokenPurpose.MAGIC_LINK: timedelta(minutes=10),
    TokenPurpose.PASSWORD_RESET: timedelta(minutes=30),
    TokenPurpose.EMAIL_CHANGE: timedelta(hours=24),
}


class InvalidToken(BadRequest):
    code = "invalid_token"
    message = "This link is invalid, already used or expired."


def _serializer(secret_key: str, purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return timed_serializer(secret_key, f"account-token.{purpose}")


async def issue_token(
    db: AsyncSession,
    secret_key: str,
    *,
    user_id: uuid.UUID,
    purpose: TokenPurpose,
    data: dict[str, Any] | None = None,
) -> str:
    """A new token for `purpose`; every earlier unused one of that user and purpose is
    void, except verification links: any unexpired one confirms the address (a member
    who asked for a second link may still click the first)."""
    if purpose != TokenPurpose.VERIFY_EMAIL:
        await void_tokens(db, user_id, purpose)
    record = AccountToken(
        id=uuid.uuid4(),
        user_id=user_id,
        purpose=purpose,
        expires_at=now() + TOKEN_LIFETIMES[purpose],
        data=data or {},
    )
    db.add(record)
    token = _serializer(secret_key, purpose).dumps(str(record.id))
    remember_secret(token)  # mailed, never logged
    return token


async def void_tokens(db: AsyncSession, user_id: uuid.UUID, purpose: TokenPurpose) -> None:
    await db.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now())
    )


async def void_all_tokens(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Every outstanding mailed token of the user dies (password change, reset, log-out-all)."""
    await db.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user_id, AccountToken.used_at.is_(None))
        .values(used_at=now())
    )


def password_stamp(changed_at: datetime) -> str:
    """When the password last changed, in one form whatever the database returns."""
    if changed_at.tzinfo is not None:
        changed_at = changed_at.astimezone(UTC).replace(tzinfo=None)
    return changed_at.isoformat()


def _record_id(secret_key: str, token: str, purpose: TokenPurpose) -> uuid.UUID:
    max_age = int(TOKEN_LIFETIMES[purpose].total_seconds())
    try:
        return uuid.UUID(_serializer(secret_key, purpose).loads(token, max_age=max_age))
    except (BadSignature, ValueError, TypeError) as exc:
        raise InvalidToken() from exc


async def consume_token(
    db: AsyncSession, secret_key: str, token: str, purpose: TokenPurpose
) -> AccountToken:
    """The token's record, now marked used; InvalidToken if forged, used or expired."""
    record_id = _record_id(secret_key, token, purpose)
    moment = now()
    result = await db.execute(
        update(AccountToken)
        .where(
            AccountToken.id == record_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > moment,
        )
        .values(used_at=moment)
        .returning(AccountToken.user_id, AccountToken.data)
    )
    row = result.one_or_none()
    if row is None:
        raise InvalidToken()
    return AccountToken(id=record_id, user_id=row.user_id, purpose=purpose, data=row.data)


async def peek_token(
    db: AsyncSession, secret_key: str, token: str, purpose: TokenPurpose
) -> AccountToken:
    """The token's record if it could be consumed now, without consuming it."""
    record = await db.get(AccountToken, _record_id(secret_key, token, purpose))
    if record is None or record.used_at is not None or record.expires_at <= now():
        raise InvalidToken()
    return record
