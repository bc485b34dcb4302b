"""Readiness: the database answers and is migrated to the head revision."""

from __future__ import annotations

import asyncio
from functools import lru_cache

import structlog
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.migrations import alembic_config

logger = structlog.get_logger("app.meta")


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _current_revisions(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


READINESS_TIMEOUT_SECONDS = 1.5  # /readyz answers within 2 s whatever the database does


async def _revisions(engine: AsyncEngine) -> frozenset[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(_current_revisions)


async def database_is_ready(engine: AsyncEngine) -> tuple[bool, str | None]:
    try:
        current = await asyncio.wait_for(_revisions(engine), READINESS_TIMEOUT_SECONDS)
    except TimeoutError:
        logger.warning("readiness_database_timeout", timeout_seconds=READINESS_TIMEOUT_SECONDS)
        return False, "database_timeout"
    except Exception as exc:
        logger.warning("readiness_database_unreachable", exc_type=type(exc).__name__)
        return False, "database_unreachable"
    if current != head_revisions():
        return False, "migrations_pending"
    return True, None
