"""C19: while SMTP is down mail waits in the outbox; it is retried with backoff, sent once."""

from __future__ import annotations

import random
import socket
from datetime import timedelta

import pytest

from app.core.clock import clock, now
from app.mail import repository
from app.mail.delivery import DeliveryTuning, retry_delay
from app.mail.models import OutboxStatus
from tests.mail.conftest import LINK, Outbox
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C19")

LATER = timedelta(hours=2)  # past the longest backoff


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_mail_refused_by_the_server_waits_and_is_sent_exactly_once_when_it_accepts(
    outbox: Outbox, refusing_sink: SmtpSink
) -> None:
    clock.freeze()
    queued = await outbox.enqueue("wait@example.org")
    assert queued is not None
    delivery = outbox.delivery()

    assert await delivery.deliver_due() == 0
    waiting = await outbox.row(queued.message_id)
    assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 1)
    assert waiting.next_attempt_at > now()
    assert await delivery.deliver_due() == 0  # not due yet: no second attempt

    refusing_sink.refusing = False
    clock.advance(LATER)
    assert await delivery.deliver_due() == 1
    assert await delivery.deliver_due() == 0

    assert len(refusing_sink.to("wait@example.org")) == 1
    sent = await outbox.row(queued.message_id)
    assert (sent.status, sent.attempts) == (OutboxStatus.SENT, 2)


async def test_mail_waits_while_the_smtp_server_cannot_be_reached(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    clock.freeze()
    queued = await outbox.enqueue("down@example.org")
    assert queued is not None

    assert await outbox.delivery(smtp_port=closed_port()).deliver_due() == 0
    waiting = await outbox.row(queued.message_id)
    assert waiting.status == OutboxStatus.PENDING
    assert waiting.last_error is not None and "ConnectionFailure" in waiting.last_error

    clock.advance(LATER)
    assert await outbox.delivery().deliver_due() == 1
    assert len(smtp_sink.to("down@example.org")) == 1


async def test_an_unreachable_server_is_not_asked_again_for_the_rest_of_the_queue(
    outbox: Outbox,
) -> None:
    for number in range(3):
        await outbox.enqueue(f"queue{number}@example.org")
    tuning = DeliveryTuning(batch_size=1)

    await outbox.delivery(smtp_port=closed_port(), tuning=tuning).deliver_due()

    attempts = sorted(row.attempts for row in await outbox.rows())
    assert attempts == [0, 0, 1]


async def test_the_first_retry_waits_between_half_and_all_of_the_base_delay(
    outbox: Outbox, refusing_sink: SmtpSink
) -> None:
    clock.freeze()
    queued = await outbox.enqueue("backoff@example.org")
    assert queued is not None
    tuning = DeliveryTuning(backoff_base=timedelta(minutes=1))

    await outbox.delivery(tuning=tuning).deliver_due()

    wait = (await outbox.row(queued.message_id)).next_attempt_at - now()
    assert timedelta(seconds=30) <= wait <= timedelta(minutes=1)


def test_retry_delays_double_up_to_the_cap_with_jitter_below_each_ceiling() -> None:
    tuning = DeliveryTuning(backoff_base=timedelta(minutes=1), backoff_cap=timedelta(hours=1))
    ceilings = [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]
    rng = random.Random(7)

    delays = [retry_delay(attempt, tuning, rng) for attempt in range(1, 9)]

    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d / c, 6) for d, c in zip(delays, ceilings, strict=True)}) > 1  # jitter


async def test_after_the_last_attempt_the_mail_is_failed_and_logged_without_its_body(
    outbox: Outbox,
    refusing_sink: SmtpSink,
    json_logs: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock.freeze()
    queued = await outbox.enqueue("never@example.org")
    assert queued is not None
    delivery = outbox.delivery()

    for _ in range(outbox.settings.mail_max_attempts):
        await delivery.deliver_due()
        clock.advance(LATER)
    await delivery.deliver_due()

    failed = await outbox.row(queued.message_id)
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, 3)
    logged = capsys.readouterr().out
    failure_lines = [line for line in logged.splitlines() if '"mail_failed"' in line]
    assert len(failure_lines) == 1
    assert queued.message_id in failure_lines[0]
    assert "live-single-use-token" not in logged
    assert LINK not in logged


async def test_a_permanent_refusal_fails_the_mail_at_once(
    outbox: Outbox, refusing_sink: SmtpSink
) -> None:
    refusing_sink.refusal = "550 no such mailbox"
    queued = await outbox.enqueue("gone@example.org")
    assert queued is not None

    await outbox.delivery().deliver_due()

    failed = await outbox.row(queued.message_id)
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, 1)
    assert failed.last_error is not None and "550" in failed.last_error


async def test_mail_claimed_by_a_sender_that_died_is_sent_by_another_once_the_lease_ends(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    clock.freeze()
    queued = await outbox.enqueue("orphan@example.org")
    assert queued is not None
    async with outbox.database.sessionmaker() as db:
        claimed = await repository.claim_due(
            db, now=now(), lease_until=now() + timedelta(minutes=5), lease_id="dead", limit=10
        )
        await db.commit()
    assert [row.message_id for row in claimed] == [queued.message_id]
    delivery = outbox.delivery()

    assert await delivery.deliver_due() == 0  # the lease still holds
    clock.advance(timedelta(minutes=6))
    assert await delivery.deliver_due() == 1

    assert len(smtp_sink.to("orphan@example.org")) == 1
