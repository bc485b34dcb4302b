"""A mail worker killed with SIGKILL mid-batch (issue 19): nothing lost, a duplicate
only for a message the server had already accepted.

Real `python -m app worker` processes and a real SMTP server (aiosmtpd) that takes
0.2 s per message, so a batch is being sent when the kill comes. 50 mails are queued;
the first worker is killed after a few arrived, a second one is started at once. The
killed worker's claim runs out within its 30 s lease (it renewed it while alive), so
every message arrives within a minute of the restart. The sender sends one message at
a time, so at most the one in flight at the kill can arrive twice, with the same
Message-ID. SIGTERM instead finishes the message being sent and gives the rest back.
PostgreSQL leg; bounded: about 45 s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from app.core.migrations import PROJECT_ROOT
from app.mail.models import OutboxStatus
from tests.edge.servers import free_port
from tests.mail.conftest import Outbox

pytestmark = [
    pytest.mark.checklist("C19"),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="fault tests run in the PostgreSQL leg (DATABASE_URL=postgresql+asyncpg://...)",
    ),
]
MESSAGES = 50
SECONDS_PER_MESSAGE = 0.2
DELIVERED_WITHIN = 60.0


@dataclass(frozen=True)
class Accepted:
    message_id: str
    at: float  # time.monotonic() when the server answered 250


class SlowSink:
    """Accepts every message after SECONDS_PER_MESSAGE, remembering when."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accepted: list[Accepted] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(SECONDS_PER_MESSAGE)
        parsed = message_from_bytes(envelope.original_content or envelope.content)
        with self._lock:
            self._accepted.append(Accepted(str(parsed["Message-ID"]), time.monotonic()))
        return "250 OK"

    @property
    def accepted(self) -> list[Accepted]:
        with self._lock:
            return list(self._accepted)

    async def wait_until(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len({mail.message_id for mail in self.accepted}) < count:
            assert time.monotonic() < deadline, f"only {len(self.accepted)} of {count} arrived"
            await asyncio.sleep(0.05)


@pytest.fixture
async def slow_sink() -> AsyncIterator[SlowSink]:
    sink = SlowSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


async def _start_worker(outbox: Outbox, sink: SlowSink) -> asyncio.subprocess.Process:
    environment = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": outbox.settings.database_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(sink.controller.port),
        "SMTP_STARTTLS": "false",
        "EMAIL_FROM": "no-reply@roundtable.test",
        "EMAIL_DELIVERY": "worker",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "worker", cwd=PROJECT_ROOT, env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def _queue(outbox: Outbox, prefix: str) -> set[str]:
    queued = [await outbox.enqueue(f"{prefix}{number}@example.org") for number in range(MESSAGES)]
    return {message.message_id for message in queued if message is not None}


async def _stop(worker: asyncio.subprocess.Process) -> int:
    if worker.returncode is None:
        worker.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(worker.wait(), timeout=30)


async def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_only_an_accepted_message(
    outbox: Outbox, slow_sink: SlowSink
) -> None:
    queued = await _queue(outbox, "killed")
    first = await _start_worker(outbox, slow_sink)
    second = None
    try:
        await slow_sink.wait_until(5, timeout=60)
        first.kill()
        await first.wait()
        restarted = time.monotonic()
        second = await _start_worker(outbox, slow_sink)
        await slow_sink.wait_until(MESSAGES, timeout=DELIVERED_WITHIN)
        delivered_after = time.monotonic() - restarted
        await asyncio.sleep(1)  # room for a late duplicate to show up
    finally:
        if first.returncode is None:
            first.kill()
        if second is not None:
            await _stop(second)

    copies = Counter(mail.message_id for mail in slow_sink.accepted)
    assert set(copies) == queued
    assert delivered_after < DELIVERED_WITHIN
    duplicated = [message_id for message_id, count in copies.items() if count > 1]
    assert len(duplicated) <= 1  # the one in flight at the kill, at most
    for message_id in duplicated:
        first_copy = min(m.at for m in slow_sink.accepted if m.message_id == message_id)
        assert first_copy < restarted  # accepted from the killed worker
    assert {row.status for row in await outbox.rows()} == {OutboxStatus.SENT}


async def test_sigterm_mid_batch_finishes_the_message_being_sent_and_gives_the_rest_back(
    outbox: Outbox, slow_sink: SlowSink
) -> None:
    queued = await _queue(outbox, "stopped")
    worker = await _start_worker(outbox, slow_sink)
    try:
        await slow_sink.wait_until(5, timeout=60)
        worker.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        exit_code = await asyncio.wait_for(worker.wait(), timeout=30)
        stopped_after = time.monotonic() - signalled
    finally:
        if worker.returncode is None:
            worker.kill()

    rows = await outbox.rows()
    sent = {row.message_id for row in rows if row.status == OutboxStatus.SENT}
    assert exit_code == 0
    assert stopped_after < 5
    assert sent == {mail.message_id for mail in slow_sink.accepted}  # each one recorded
    assert {row.status for row in rows if row.message_id not in sent} == {OutboxStatus.PENDING}

    restarted = time.monotonic()
    worker = await _start_worker(outbox, slow_sink)
    try:
        await slow_sink.wait_until(MESSAGES, timeout=30)
    finally:
        await _stop(worker)
    assert time.monotonic() - restarted < 30  # given back, not waiting for a lease
    assert sorted(Counter(m.message_id for m in slow_sink.accepted).values()) == [1] * MESSAGES
    assert {m.message_id for m in slow_sink.accepted} == queued
