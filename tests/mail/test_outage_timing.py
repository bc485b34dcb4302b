"""Mail after an SMTP outage goes out within seconds, and a dead sender's claim ends soon.

Issue 19: the first retry of young mail comes within 10 s of the server's return, then
backs off; an outage never fails mail by its attempt count; the lease is short
(renewed while a batch is sent), so a killed worker's claimed mail waits seconds, not
five minutes.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from app.core.clock import clock, now
from app.mail import repository
from app.mail.delivery import DeliveryTuning, outage_retry_delay
from app.mail.models import OutboxStatus
from tests.mail.conftest import Outbox
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C19")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_young_mail_is_retried_within_seconds_when_the_server_is_unreachable(
    outbox: Outbox,
) -> None:
    clock.freeze()
    queued = await outbox.enqueue("soon@example.org")
    assert queued is not None

    await outbox.delivery(smtp_port=closed_port()).deliver_due()

    wait = (await outbox.row(queued.message_id)).next_attempt_at - now()
    assert timedelta(0) < wait <= timedelta(seconds=5)


async def test_an_outage_longer_than_the_attempt_limit_still_delivers_exactly_once(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    clock.freeze()
    queued = await outbox.enqueue("patient@example.org")
    assert queued is not None
    down = outbox.delivery(smtp_port=closed_port())

    for _ in range(outbox.settings.mail_max_attempts * 3):
        await down.deliver_due()
        clock.advance(timedelta(hours=1))
    waiting = await outbox.row(queued.message_id)
    assert waiting.status == OutboxStatus.PENDING

    assert await outbox.delivery().deliver_due() == 1
    assert await outbox.delivery().deliver_due() == 0
    assert len(smtp_sink.to("patient@example.org")) == 1


def test_outage_retries_back_off_with_the_age_of_the_mail() -> None:
    tuning = DeliveryTuning()
    young = outage_retry_delay(timedelta(seconds=20), tuning)
    older = outage_retry_delay(timedelta(minutes=10), tuning)
    oldest = outage_retry_delay(timedelta(days=1), tuning)

    assert young <= timedelta(seconds=5)
    assert timedelta(minutes=2, seconds=30) <= older <= timedelta(minutes=5)
    assert oldest <= tuning.backoff_cap


async def test_mail_claimed_by_a_killed_sender_is_free_again_within_a_minute(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    clock.freeze()
    queued = await outbox.enqueue("orphaned@example.org")
    assert queued is not None
    tuning = DeliveryTuning()
    async with outbox.database.sessionmaker() as db:
        await repository.claim_due(
            db, now=now(), lease_until=now() + tuning.lease, lease_id="killed", limit=10
        )
        await db.commit()

    clock.advance(timedelta(minutes=1))
    assert await outbox.delivery().deliver_due() == 1
    assert len(smtp_sink.to("orphaned@example.org")) == 1


async def test_a_renewed_lease_keeps_the_claim_of_a_live_sender(outbox: Outbox) -> None:
    clock.freeze()
    await outbox.enqueue("renewed@example.org")
    async with outbox.database.sessionmaker() as db:
        claimed = await repository.claim_due(
            db, now=now(), lease_until=now() + timedelta(seconds=30), lease_id="live", limit=1
        )
        await db.commit()
        await repository.renew_lease(db, "live", now() + timedelta(minutes=2))
        await db.commit()

    clock.advance(timedelta(minutes=1))
    assert await outbox.delivery().deliver_due() == 0  # still claimed by the live sender
    row = await outbox.row(claimed[0].message_id)
    assert row.lease_id == "live"
