"""Which settings the mail of a database session is rendered with.

`enqueue_mail` takes only the session, so the process that owns an engine (the web
app's lifespan, the worker) binds its settings to it. A process that never did falls
back to the settings from the environment.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.settings import Settings, get_settings

_bound: WeakKeyDictionary[Engine, Settings] = WeakKeyDictionary()


def bind_mail_settings(engine: AsyncEngine, settings: Settings) -> None:
    _bound[engine.sync_engine] = settings


def mail_settings_for(db: AsyncSession) -> Settings:
    bind = db.sync_session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return _bound.get(engine) or get_settings()
