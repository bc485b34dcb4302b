"""A throwaway database of the same kind as the test database, for migration tests."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


@asynccontextmanager
async def scratch_database(template_url: str, folder: Path) -> AsyncIterator[str]:
    url = make_url(template_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'scratch.db'}"
        return
    name = f"scratch_{secrets.token_hex(6)}"
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
