"""Issue 10: many new-account accepts of one invite at once make one account, never a 500.

On PostgreSQL the requests reach the database together (one pooled connection each),
so all of them pass the "is the address taken?" check and race on the unique index.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from httpx import AsyncClient

from tests.support.accounts import mailed_token, verified_member
from tests.support.orgs import create_org, invite
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C15")

INVITEE = "newcomer@example.org"
RACERS = 20


async def test_concurrent_new_account_accepts_of_one_invite_give_one_account(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    owner = new_client()
    await verified_member(owner, smtp_sink, "owner@example.org")
    await invite(owner, await create_org(owner), INVITEE)
    token = await mailed_token(smtp_sink, INVITEE, "invite")
    body = {"token": token, "password": "a long enough passphrase", "display_name": "New"}
    racers = [new_client((f"198.51.100.{i + 1}", 4000)) for i in range(RACERS)]

    responses = await asyncio.gather(
        *(racer.post("/api/v1/invites/accept", json=body) for racer in racers)
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) == 1, statuses
    assert set(statuses) - {200} <= {400, 409}, statuses
