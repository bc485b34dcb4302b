"""The mail part of the web app's lifespan: bind the settings, run inline delivery."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.core.database import Database
from app.core.settings import EmailDelivery, Settings
from app.mail.delivery import MailDelivery, build_delivery
from app.mail.engine_settings import bind_mail_settings


@asynccontextmanager
async def mail_lifespan(
    settings: Settings, database: Database
) -> AsyncIterator[MailDelivery | None]:
    """Yields the running inline delivery, or None when `python -m app worker` delivers."""
    bind_mail_settings(database.engine, settings)
    if settings.email_delivery != EmailDelivery.INLINE:
        yield None
        return
    delivery = await build_delivery(settings, database)
    delivery.start()
    try:
        yield delivery
    finally:
        await delivery.stop()
