"""The outbox and unsubscribe queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.mail.models import MailUnsubscribe, OutboxMessage, OutboxStatus


async def is_unsubscribed(db: AsyncSession, user_id: uuid.UUID, category: str) -> bool:
    query = select(
        exists().where(MailUnsubscribe.user_id == user_id, MailUnsubscribe.category == category)
    )
    return bool(await db.scalar(query))


async def add_unsubscribe(db: AsyncSession, user_id: uuid.UUID, category: str) -> None:
    """Record the unsubscription; a second one for the same pair changes nothing."""
    values = {"id": uuid.uuid4(), "user_id": user_id, "category": category}
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(MailUnsubscribe).values(values)
    await db.execute(statement.on_conflict_do_nothing(index_elements=["user_id", "category"]))


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Due pending mail, and mail whose sender's lease ran out (it may have died)."""
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.locked_until < now),
    )


async def claim_due(
    db: AsyncSession, *, now: datetime, lease_until: datetime, lease_id: str, limit: int
) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this lease; the caller commits.

    PostgreSQL: the due rows are locked with SELECT ... FOR UPDATE SKIP LOCKED, so
    workers claiming at once take different rows, then leased. (Put inside the UPDATE
    as `id IN (subquery)`, the planner may run the subquery again per row and lease
    more than `limit`.) SQLite runs one writing statement at a time, so a single
    conditional UPDATE is enough. Both re-check the condition as they update.
    """
    due = (
        select(OutboxMessage.id)
        .where(_claimable(now))
        .order_by(OutboxMessage.next_attempt_at)
        .limit(limit)
    )
    if db.get_bind().dialect.name == "postgresql":
        ids = list((await db.scalars(due.with_for_update(skip_locked=True))).all())
        if not ids:
            return []
        chosen: ColumnElement[bool] = OutboxMessage.id.in_(ids)
    else:
        chosen = OutboxMessage.id.in_(due.scalar_subquery())
    statement = (
        update(OutboxMessage)
        .where(chosen, _claimable(now))
        .values(status=OutboxStatus.SENDING, locked_until=lease_until, lease_id=lease_id)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    claimed = list((await db.scalars(statement)).all())
    return sorted(claimed, key=lambda message: (message.next_attempt_at, message.created_at))


async def _update_leased(
    db: AsyncSession, message_id: uuid.UUID, lease_id: str, **values: Any
) -> bool:
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.lease_id == lease_id,
            OutboxMessage.status == OutboxStatus.SENDING,
        )
        .values(locked_until=None, lease_id=None, **values)
        .execution_options(synchronize_session=False)
    )
    result = await db.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def mark_sent(
    db: AsyncSession, message_id: uuid.UUID, lease_id: str, *, attempts: int, sent_at: datetime
) -> bool:
    """Sent: the bodies and extra headers go, since they can hold live links."""
    return await _update_leased(
        db,
        message_id,
        lease_id,
        status=OutboxStatus.SENT,
        attempts=attempts,
        sent_at=sent_at,
        last_error=None,
        text_body=None,
        html_body=None,
        headers={},
    )


async def mark_retry(
    db: AsyncSession,
    message_id: uuid.UUID,
    lease_id: str,
    *,
    attempts: int,
    next_attempt_at: datetime,
    error: str,
) -> bool:
    return await _update_leased(
        db,
        message_id,
        lease_id,
        status=OutboxStatus.PENDING,
        attempts=attempts,
        next_attempt_at=next_attempt_at,
        last_error=error[:500],
    )


async def mark_failed(
    db: AsyncSession, message_id: uuid.UUID, lease_id: str, *, attempts: int, error: str
) -> bool:
    return await _update_leased(
        db,
        message_id,
        lease_id,
        status=OutboxStatus.FAILED,
        attempts=attempts,
        last_error=error[:500],
    )


async def release(db: AsyncSession, message_ids: Sequence[uuid.UUID], lease_id: str) -> None:
    """Give claimed messages that were not tried back to the queue, as they were."""
    for message_id in message_ids:
        await _update_leased(db, message_id, lease_id, status=OutboxStatus.PENDING)


async def renew_lease(db: AsyncSession, lease_id: str, until: datetime) -> None:
    """Extend the lease of the messages still claimed by `lease_id`; the caller commits."""
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.lease_id == lease_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    await db.execute(statement)


async def next_attempt_at(db: AsyncSession) -> datetime | None:
    """When the earliest pending message falls due (None with nothing pending)."""
    query = select(func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.status == OutboxStatus.PENDING
    )
    value: datetime | None = await db.scalar(query)
    return value


async def outbox_counts(db: AsyncSession) -> dict[str, int]:
    """How many outbox rows are pending and failed (sent ones are history, not load)."""
    waiting = (OutboxStatus.PENDING, OutboxStatus.FAILED)
    rows = await db.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_(waiting))
        .group_by(OutboxMessage.status)
    )
    counts = {str(status): 0 for status in waiting}
    counts.update({str(status): int(count) for status, count in rows.all()})
    return counts
