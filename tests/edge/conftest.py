"""Edge fixtures: apps built with the settings a test names, and clients with a chosen peer.

`edge.build(**overrides)` goes through `load_settings` like the real start does.
`edge.production(**overrides)` builds production settings directly, skipping only the
start-up refusal (the test database may be SQLite): the middleware sees exactly what a
production process would.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from app.core.migrations import upgrade
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import PUBLIC_URL, make_settings
from tests.edge.routes import edge_test_router
from tests.edge.servers import Server, edge_servers
from tests.support.smtp_sink import SmtpSink

PRODUCTION_HOST = "community.example.org"
PRODUCTION_URL = f"https://{PRODUCTION_HOST}"
WWW_HOST = f"www.{PRODUCTION_HOST}"
STRANGER = ("203.0.113.9", 40000)
SERVED_BODY_CAP = 1024
SERVED_LOGIN_LIMIT = 4
Peer = tuple[str, int]


@dataclass
class EdgeApps:
    database_url: str
    smtp_port: int
    stack: AsyncExitStack

    async def build(self, **overrides: Any) -> FastAPI:
        return await self.start(make_settings(self.database_url, self.smtp_port, **overrides))

    async def production(self, **overrides: Any) -> FastAPI:
        values: dict[str, Any] = {
            "environment": "production",
            "secret_key": secrets.token_urlsafe(48),
            "public_url": PRODUCTION_URL,
            "allowed_hosts": [PRODUCTION_HOST, WWW_HOST],
            "database_url": self.database_url,
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp_port,
            "email_from": f"no-reply@{PRODUCTION_HOST}",
            "redis_url": os.environ.get("REDIS_URL") or None,
        }
        values.update(overrides)
        return await self.start(Settings(_env_file=None, **values))

    async def start(self, settings: Settings) -> FastAPI:
        app = create_app(settings)
        app.include_router(edge_test_router())
        await self.stack.enter_async_context(app.router.lifespan_context(app))
        return app

    async def client(
        self, app: FastAPI, peer: Peer = STRANGER, base_url: str = PUBLIC_URL
    ) -> AsyncClient:
        transport = ASGITransport(app=app, client=peer)
        return await self.stack.enter_async_context(
            AsyncClient(transport=transport, base_url=base_url)
        )


@pytest.fixture
async def edge(migrated_database: str, smtp_sink: SmtpSink) -> AsyncIterator[EdgeApps]:
    async with AsyncExitStack() as stack:
        yield EdgeApps(migrated_database, smtp_sink.port, stack)


def json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Uvicorn processes of the edge app: two sharing Redis when REDIS_URL is set, else one.

    Their database is a migrated one of their own, so their outbox never touches the
    mail of the tests running in this process.
    """
    folder = tmp_path_factory.mktemp("servers")
    database_url = f"sqlite+aiosqlite:///{folder / 'servers.db'}"
    upgrade(database_url)
    environment = {
        "DATABASE_URL": database_url,
        "PUBLIC_URL": "http://127.0.0.1",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "MAIL_FOLDER": str(folder / "mail"),
        "MAX_BODY_BYTES": str(SERVED_BODY_CAP),
        "RATE_LIMITS": json.dumps({"login_ip": f"{SERVED_LOGIN_LIMIT}/minute"}),
        "RATE_LIMIT_KEY_PREFIX": f"edge-test-{secrets.token_hex(6)}",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    count = 2 if os.environ.get("REDIS_URL") else 1  # a second one only to share Redis with
    with edge_servers(folder, environment, count=count) as servers:
        yield servers
