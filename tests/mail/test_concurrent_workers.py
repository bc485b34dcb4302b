"""C19: several deliverers on one outbox never send a message twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from app.core.clock import now
from app.mail import repository
from app.mail.delivery import DeliveryTuning
from app.mail.models import OutboxStatus
from app.mail.service import enqueue_mail
from tests.mail.conftest import LINK, Outbox
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C19")

MESSAGES = 200


async def test_two_workers_deliver_each_of_200_queued_messages_exactly_once(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    async with outbox.database.sessionmaker() as db:
        for number in range(MESSAGES):
            await enqueue_mail(
                db,
                template="verify_email",
                to=f"crowd{number}@example.org",
                context={"display_name": f"Member {number}", "link": LINK},
            )
        await db.commit()
    # Small batches and separate connection pools, so the two really race for rows.
    tuning = DeliveryTuning(batch_size=5)
    first = outbox.delivery(tuning=tuning, own_engine=True)
    second = outbox.delivery(tuning=tuning, own_engine=True)

    sent = await asyncio.gather(first.deliver_due(), second.deliver_due())

    assert sum(sent) == MESSAGES
    assert min(sent) > 0, f"one worker did all the work: {sent}"
    received = Counter(
        mail.message["Message-ID"]
        for mail in smtp_sink.messages
        if mail.envelope_to[0].startswith("crowd")
    )
    assert len(received) == MESSAGES
    assert set(received.values()) == {1}
    statuses = Counter(row.status for row in await outbox.rows())
    assert statuses == {OutboxStatus.SENT: MESSAGES}


async def test_a_claim_takes_no_more_messages_than_its_limit(outbox: Outbox) -> None:
    for number in range(3):
        await outbox.enqueue(f"limit{number}@example.org")

    async with outbox.database.sessionmaker() as db:
        claimed = await repository.claim_due(
            db, now=now(), lease_until=now() + timedelta(minutes=5), lease_id="one", limit=1
        )
        await db.commit()

    assert len(claimed) == 1
    leased = [row for row in await outbox.rows() if row.lease_id == "one"]
    assert [row.id for row in leased] == [claimed[0].id]
