"""C19: `python -m app worker` delivers the outbox and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from app.core.migrations import PROJECT_ROOT
from tests.mail.conftest import Outbox
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C19")


async def test_the_worker_delivers_queued_mail_and_exits_cleanly_on_sigterm(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    await outbox.enqueue("worker@example.org")
    environment = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": outbox.settings.database_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_sink.port),
        "SMTP_STARTTLS": "false",
        "EMAIL_FROM": "no-reply@roundtable.test",
        "EMAIL_DELIVERY": "worker",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "worker",
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        mail = await smtp_sink.wait_for_mail_to("worker@example.org", timeout=30)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(worker.communicate(), timeout=30)

    assert mail.message["From"] == "no-reply@roundtable.test"
    assert worker.returncode == 0, output.decode()
    assert b'"mail_worker_stopped"' in output
    assert (await outbox.rows())[0].status == "sent"
