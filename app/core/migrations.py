"""Alembic, driven from code: the `migrate` command, tests and readiness use this."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if database_url is not None:
        config.attributes["database_url"] = database_url
    return config


def _outside_event_loop(function: Callable[[], None]) -> None:
    """Alembic's async environment runs its own loop; give it a thread when one is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        function()
        return
    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(function).result()


def upgrade(database_url: str, revision: str = "head") -> None:
    _outside_event_loop(lambda: command.upgrade(alembic_config(database_url), revision))


def head_revision() -> str:
    """The newest migration, as `revision (its message)`: where `upgrade()` leaves a database."""
    head = ScriptDirectory.from_config(alembic_config()).get_revision("head")
    if head is None:
        return "base (no migrations)"
    return f"{head.revision} ({head.doc})" if head.doc else head.revision


def downgrade(database_url: str, revision: str) -> None:
    _outside_event_loop(lambda: command.downgrade(alembic_config(database_url), revision))
