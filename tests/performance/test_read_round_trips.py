"""A read sends its statements alone: no BEGIN and ROLLBACK round trips around them
(issue 17; `Database.read_sessionmaker`). A write still runs in one transaction."""

from __future__ import annotations

import os
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from httpx import AsyncClient

from tests.support.accounts import verified_member
from tests.support.orgs import create_org
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="asyncpg's transactions (DATABASE_URL=postgresql+asyncpg://...)",
)


@pytest.fixture
def transactions_begun(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each transaction the driver opens from now on, by the request method that opened it."""
    begun: list[str] = []
    start = asyncpg.transaction.Transaction.start

    async def counted_start(transaction: Any) -> None:
        begun.append("BEGIN")
        await start(transaction)

    monkeypatch.setattr(asyncpg.transaction.Transaction, "start", counted_start)
    return begun


@pytest.fixture
async def org_id(client: AsyncClient, smtp_sink: SmtpSink) -> str:
    await verified_member(client, smtp_sink, "reader@example.org")
    return await create_org(client)


async def test_an_org_read_opens_no_transaction(
    client: AsyncClient, org_id: str, transactions_begun: list[str]
) -> None:
    response = await client.get(f"/api/v1/orgs/{org_id}/spaces")
    assert response.status_code == 200
    assert transactions_begun == []


async def test_reading_my_account_opens_no_transaction(
    client: AsyncClient, org_id: str, transactions_begun: list[str]
) -> None:
    assert (await client.get("/api/v1/me")).status_code == 200
    assert transactions_begun == []


async def test_a_write_runs_in_a_transaction(
    client: AsyncClient, org_id: str, transactions_begun: list[str]
) -> None:
    response = await client.post(
        f"/api/v1/orgs/{org_id}/spaces", json={"name": "Kitchen table", "visibility": "open"}
    )
    assert response.status_code == 201, response.text
    assert transactions_begun != []
