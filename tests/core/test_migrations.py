"""C23: Alembic alone makes the schema; it goes forward and back and matches the models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.migrations import alembic_config, downgrade, upgrade
from app.models import Base
from tests.support.scratch_database import scratch_database

pytestmark = pytest.mark.checklist("C23")


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _run(url: str, function: Any) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(function)
    finally:
        await engine.dispose()


async def test_migrations_go_up_down_and_up_again(database_url: str, tmp_path: Path) -> None:
    async with scratch_database(database_url, tmp_path) as url:
        upgrade(url)
        assert await _run(url, _tables) == set(Base.metadata.tables)
        downgrade(url, "base")
        assert await _run(url, _tables) == set()
        upgrade(url)
        assert await _run(url, _tables) == set(Base.metadata.tables)


async def test_models_and_migrations_agree(database_url: str, tmp_path: Path) -> None:
    async with scratch_database(database_url, tmp_path) as url:
        upgrade(url)
        assert await _run(url, _diff) == []


def _revisions_head_to_base() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in script.walk_revisions("base", "heads")]


def _indexes(connection: Connection) -> set[str]:
    inspector = inspect(connection)
    return {
        str(index["name"])
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
    }


async def test_every_migration_steps_down_and_up_again(database_url: str, tmp_path: Path) -> None:
    """From head to base, each revision goes down one step and comes back up cleanly."""
    async with scratch_database(database_url, tmp_path) as url:
        upgrade(url)
        for revision in _revisions_head_to_base():
            before = await _run(url, _indexes)
            downgrade(url, "-1")
            upgrade(url, revision)
            assert await _run(url, _indexes) == before, revision
            assert await _run(url, _tables) <= set(Base.metadata.tables)
            downgrade(url, "-1")
        assert await _run(url, _tables) == set()
        assert await _run(url, _indexes) == set()
