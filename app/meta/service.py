"""Readiness (the database answers and is migrated to the head revision) and metrics."""

from __future__ import annotations

import asyncio
import hmac
from functools import lru_cache
from ipaddress import ip_address, ip_network

import structlog
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from app.core.database import Database
from app.core.metrics import Metrics, scrape_time_registry
from app.core.migrations import alembic_config
from app.core.settings import Settings
from app.mail.service import outbox_counts

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


# -- metrics --------------------------------------------------------------------------


def may_read_metrics(settings: Settings, authorization: str | None, client_ip: str) -> bool:
    """Open outside production; in production only with `Bearer $METRICS_TOKEN` or from
    a METRICS_ALLOWED network (the caller answers 404 otherwise, as if there were none)."""
    if not settings.is_production:
        return True
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    offered = (authorization or "").removeprefix("Bearer ").encode()
    if token and authorization and hmac.compare_digest(offered, token.encode()):
        return True
    return _in_networks(client_ip, settings.metrics_allowed)


def _in_networks(client_ip: str, networks: list[str]) -> bool:
    try:
        address = ip_address(client_ip)
    except ValueError:
        return False
    return any(address in ip_network(network, strict=False) for network in networks)


async def metrics_text(metrics: Metrics, database: Database) -> bytes:
    async with database.sessionmaker() as db:
        outbox = await outbox_counts(db)
    pool = database.engine.sync_engine.pool
    in_use = pool.checkedout() if isinstance(pool, QueuePool) else 0
    size = pool.size() if isinstance(pool, QueuePool) else 0
    return metrics.exposition(scrape_time_registry(outbox, in_use, size))
