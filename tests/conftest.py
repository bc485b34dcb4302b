"""Test fixtures: a migrated database, a real SMTP sink, the app and an HTTP client.

SQLite by default; PostgreSQL and Redis when DATABASE_URL / REDIS_URL point at them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import Table, delete, inspect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.clock import clock
from app.core.migrations import upgrade
from app.core.ratelimit import RateLimiter
from app.core.settings import Settings, load_settings
from app.models import Base
from tests.mail.dns_server import LocalDnsServer
from tests.support.smtp_sink import SmtpSink

os.environ.setdefault("ENVIRONMENT", "test")

pytest_plugins = ["tests.support.proof"]

PUBLIC_URL = "http://testserver"


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def local_dns() -> Iterator[LocalDnsServer]:
    server = LocalDnsServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def dns_server(local_dns: LocalDnsServer) -> Iterator[LocalDnsServer]:
    """The shared local DNS server, emptied after the test."""
    yield local_dns
    local_dns.clear()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    path: Path = tmp_path_factory.mktemp("db") / "test.db"
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> str:
    upgrade(database_url)
    return database_url


def make_settings(database_url: str, smtp_port: int, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "public_url": PUBLIC_URL,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_starttls": False,
        "email_from": "no-reply@roundtable.test",
        "redis_url": os.environ.get("REDIS_URL") or None,
        "mail_max_attempts": 3,
        # Cheaper hashing keeps the suite fast; production keeps the OWASP minimum
        # (19 MiB, t=2), which test_passwords checks is what the settings default to.
        "argon2_memory_kib": 8192,
        "argon2_time_cost": 1,
        # Helpers sign a member up and then invite or reset them within the same second;
        # tests/hardening/test_mail_caps.py proves the default cooldown on its own app.
        "rate_limits": {"mail_recipient_cooldown": "1000/minute"},
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(scope="session")
def settings(migrated_database: str, smtp_sink: SmtpSink) -> Settings:
    return make_settings(migrated_database, smtp_sink.port)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    from app.main import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def unlimited_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with rate limits off, for tests that measure something else (timing, say)."""
    from app.main import create_app

    application = create_app(settings.model_copy(update={"rate_limits_enabled": False}))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def unlimited_client(unlimited_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=unlimited_app), base_url=PUBLIC_URL) as http:
        yield http


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url=PUBLIC_URL) as http:
        yield http


@pytest.fixture
async def new_client(app: FastAPI) -> AsyncIterator[Callable[..., AsyncClient]]:
    """Makes more clients, each with a cookie jar of its own (one per simulated person)."""
    clients: list[AsyncClient] = []

    def make(client_address: tuple[str, int] = ("127.0.0.1", 50000)) -> AsyncClient:
        transport = ASGITransport(app=app, client=client_address)
        clients.append(AsyncClient(transport=transport, base_url=PUBLIC_URL))
        return clients[-1]

    yield make
    for made in clients:
        await made.aclose()


@pytest.fixture(autouse=True)
async def _clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts with empty tables, fresh rate limits, no mail and the real clock."""
    yield
    clock.unfreeze()
    if request.node.get_closest_marker("manages_database"):
        return
    used = set(request.fixturenames)
    if "app" in used:
        application: FastAPI = request.getfixturevalue("app")
        await empty_tables(application.state.database.engine)
        await _fresh_rate_limits(application)
    elif "settings" in used:
        engine = create_async_engine(request.getfixturevalue("settings").database_url)
        await empty_tables(engine)
        await engine.dispose()
    if "smtp_sink" in used:
        request.getfixturevalue("smtp_sink").clear()


async def _fresh_rate_limits(application: FastAPI) -> None:
    """Counters do not carry from one test to the next (a new limiter, a new key prefix)."""
    await application.state.rate_limiter.close()
    application.state.rate_limiter = RateLimiter.from_settings(
        application.state.settings, application.state.metrics
    )


_TABLES_OF: dict[str, list[Table]] = {}


async def empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        url = str(engine.url)
        if url not in _TABLES_OF:
            existing = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            _TABLES_OF[url] = [t for t in Base.metadata.sorted_tables if t.name in existing]
        tables = _TABLES_OF[url]
        # DELETE, children first: on these small tables it is several times faster than
        # TRUNCATE, which costs PostgreSQL a few hundred milliseconds each time.
        for table in reversed(tables):
            await connection.execute(delete(table))
