"""`python -m app worker`: deliver the outbox until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import signal

import structlog

from app.core.database import Database
from app.core.settings import Settings
from app.mail.delivery import DeliveryTuning, build_delivery
from app.mail.engine_settings import bind_mail_settings

logger = structlog.get_logger("app.mail")
# No commit in this process wakes the worker: it polls, and more often than inline.
WORKER_TUNING = DeliveryTuning(poll_seconds=2.0)


async def run_worker(settings: Settings, tuning: DeliveryTuning = WORKER_TUNING) -> None:
    database = Database(settings)
    bind_mail_settings(database.engine, settings)
    delivery = await build_delivery(settings, database, tuning)
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, delivery.request_stop)
    logger.info("mail_worker_started", poll_seconds=tuning.poll_seconds)
    try:
        await delivery.run()
    finally:
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signal_number)
        await database.dispose()
        logger.info("mail_worker_stopped")
