"""`python -m app worker`: deliver the outbox until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog

from app.core.database import Database
from app.core.settings import Settings
from app.mail.delivery import DeliveryTuning, build_delivery
from app.mail.engine_settings import bind_mail_settings
from app.mail.repository import outbox_counts

logger = structlog.get_logger("app.mail")
# No commit in this process wakes the worker: it polls, and more often than inline.
WORKER_TUNING = DeliveryTuning(poll_seconds=2.0)


async def run_worker(
    settings: Settings,
    *,
    queue_log_seconds: float,
    tuning: DeliveryTuning = WORKER_TUNING,
) -> None:
    """Deliver until a stop signal, logging the queue depth every `queue_log_seconds`."""
    database = Database(settings)
    bind_mail_settings(database.engine, settings)
    delivery = await build_delivery(settings, database, tuning)
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, delivery.request_stop)
    logger.info("mail_worker_started", poll_seconds=tuning.poll_seconds)
    depth_log = asyncio.create_task(_log_queue_depth(database, queue_log_seconds))
    try:
        await delivery.run()
    finally:
        depth_log.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await depth_log
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signal_number)
        await database.dispose()
        logger.info("mail_worker_stopped")


async def _log_queue_depth(database: Database, every_seconds: float) -> None:
    """`mail_outbox_depth` with the pending and failed counts, at start and every so often."""
    while True:
        try:
            async with database.sessionmaker() as db:
                counts = await outbox_counts(db)
        except Exception as exc:
            logger.warning("mail_outbox_depth_unknown", error=type(exc).__name__)
        else:
            logger.info("mail_outbox_depth", **counts)
        await asyncio.sleep(every_seconds)
