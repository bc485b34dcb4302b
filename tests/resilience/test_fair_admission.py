"""The pool's places are handed out first come, first served (app.core.database).

Without it a newcomer could take the connection a long-waiting request was about to
get, and under a burst some requests waited past the pool timeout and got 503.
PostgreSQL only: SQLite runs without a pool, so nothing waits there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core.database import POOL_OVERFLOW, POOL_SIZE, Database
from app.core.database_errors import is_database_unavailable
from app.core.settings import Settings

CAPACITY = POOL_SIZE + POOL_OVERFLOW


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    if settings.is_sqlite:
        pytest.skip("SQLite has no pool to queue for")
    database = Database(settings.model_copy(update={"database_pool_timeout_seconds": 0.5}))
    yield database
    await database.dispose()


async def hold_every_place(database: Database) -> list[AbstractAsyncContextManager[None]]:
    held: list[AbstractAsyncContextManager[None]] = [database.admitted() for _ in range(CAPACITY)]
    for place in held:
        await place.__aenter__()
    return held


async def enter(database: Database, name: str, order: list[str]) -> None:
    async with database.admitted():
        order.append(name)
        await asyncio.sleep(0.05)


async def test_a_request_that_waited_goes_before_one_that_just_came(database: Database) -> None:
    held = await hold_every_place(database)
    order: list[str] = []
    waited = asyncio.create_task(enter(database, "waited", order))
    await asyncio.sleep(0.01)  # "waited" is queued now
    await held.pop().__aexit__(None, None, None)
    newcomer = asyncio.create_task(enter(database, "newcomer", order))
    await asyncio.sleep(0.01)
    assert order == ["waited"]
    for place in held:
        await place.__aexit__(None, None, None)
    await asyncio.gather(waited, newcomer)
    assert order == ["waited", "newcomer"]


async def test_a_request_waiting_past_the_pool_timeout_is_told_the_database_is_busy(
    database: Database,
) -> None:
    held = await hold_every_place(database)
    with pytest.raises(PoolTimeout) as refused:
        await enter(database, "late", [])
    assert is_database_unavailable(refused.value)  # answered 503 with Retry-After
    for place in held:
        await place.__aexit__(None, None, None)
