"""SMTP down, then back (issue 19): mail waits, arrives exactly once, soon after the return.

A real SMTP sink of its own, stopped while mail is queued and the delivery loop runs
on the real clock. The outage is 20 s here (mail younger than a minute when the server
returns); the longer outages and the backing off are proved with a frozen clock in
test_outage_timing.py. Bounded: the whole test takes about 35 s.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from app.mail.models import OutboxStatus
from tests.mail.conftest import Outbox
from tests.support.smtp_sink import SmtpSink, _Handler

pytestmark = [
    pytest.mark.checklist("C19"),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="fault tests run in the PostgreSQL leg (DATABASE_URL=postgresql+asyncpg://...)",
    ),
]
OUTAGE_SECONDS = 20.0
FIRST_RETRY_WITHIN = 10.0
ADDRESSES = [f"outage{number}@example.org" for number in range(5)]


async def _all_arrived(sink: SmtpSink, since: float) -> float:
    """Seconds from `since` until every address got its mail (at most 30 s of waiting)."""
    deadline = since + 30
    for address in ADDRESSES:
        await sink.wait_for_mail_to(address, timeout=max(0.1, deadline - time.monotonic()))
    return time.monotonic() - since


@pytest.fixture
def own_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


async def test_mail_queued_during_an_smtp_outage_arrives_once_within_seconds_of_its_return(
    outbox: Outbox, own_sink: SmtpSink
) -> None:
    port = own_sink.port
    delivery = outbox.delivery(smtp_port=port, own_engine=True)
    own_sink.stop()
    delivery.start()
    try:
        queued = [await outbox.enqueue(address) for address in ADDRESSES]
        await asyncio.sleep(OUTAGE_SECONDS)
        # A stopped aiosmtpd controller cannot start again: a new one, on the same port.
        own_sink.controller = Controller(_Handler(own_sink), hostname="127.0.0.1", port=port)
        own_sink.start()
        returned = time.monotonic()
        arrived = await _all_arrived(own_sink, returned)
        await asyncio.sleep(2)  # room for a duplicate to show up
    finally:
        await delivery.stop()

    assert sorted(a for mail in own_sink.messages for a in mail.envelope_to) == ADDRESSES
    assert arrived <= FIRST_RETRY_WITHIN
    for message in queued:
        assert message is not None
        row = await outbox.row(message.message_id)
        assert row.status == OutboxStatus.SENT
        assert row.attempts >= 2  # it was tried during the outage, and waited
