"""The async database: one engine per process, one session per unit of work.

Alembic alone makes the schema; nothing here creates tables.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.types import TypeDecorator, Uuid

from app.core.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use app.core.clock.now()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid}


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


POOL_SIZE = 10
POOL_OVERFLOW = 10


class AdmissionTimeout(PoolTimeout):
    """No place in the fair queue came free in time: a 503, logged as this type so that it
    is told apart from the pool's own timeout (sqlalchemy's TimeoutError)."""


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url, poolclass=NullPool)
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_async_engine(
        settings.database_url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_pre_ping=False,
        pool_recycle=1800,
        pool_timeout=settings.database_pool_timeout_seconds,
        connect_args=_postgresql_connect_args(settings),
    )


def _postgresql_connect_args(settings: Settings) -> dict[str, Any]:
    """Fail fast: a bounded connect, statement and lock wait (503 instead of a hang)."""
    if not settings.database_url.startswith("postgresql+asyncpg"):
        return {}
    return {
        "timeout": settings.database_connect_timeout_seconds,
        "command_timeout": settings.database_statement_timeout_ms / 1000 + 5,
        "server_settings": {
            "statement_timeout": str(settings.database_statement_timeout_ms),
            "lock_timeout": str(settings.database_lock_timeout_ms),
        },
    }


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def _without_transactions(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, its statements outside a transaction (PostgreSQL).

    For requests that change nothing (GET, HEAD): under READ COMMITTED every statement
    takes its own snapshot whether or not a transaction is open, so a BEGIN and a
    ROLLBACK around a read's statements buy nothing and cost two round trips. SQLite
    keeps its transactions (its driver manages them itself).
    """
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class Database:
    """The engine and session factories of this process."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_engine(settings)
        self.sessionmaker = create_sessionmaker(self.engine)
        self.read_sessionmaker = create_sessionmaker(_without_transactions(self.engine))
        self._admission_wait = settings.database_pool_timeout_seconds
        pool = self.engine.sync_engine.pool
        capacity = POOL_SIZE + POOL_OVERFLOW if isinstance(pool, QueuePool) else 0
        self._admission = asyncio.Semaphore(capacity) if capacity else None

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Holds one of the pool's places for a request, first come first served.

        The pool hands a returned connection to whoever asks next, so under saturation
        a newcomer can overtake a request that has waited for seconds, and that one
        then fails with the pool timeout (503s seen at 32 concurrent clients in
        benchmarks/list_read.py). The semaphore queues requests fairly instead; one
        that still waits past the pool timeout gets the same 503.
        """
        if self._admission is None:
            yield
            return
        try:
            await asyncio.wait_for(self._admission.acquire(), self._admission_wait)
        except TimeoutError:
            raise AdmissionTimeout("no database connection became free in time") from None
        try:
            yield
        finally:
            self._admission.release()

    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
