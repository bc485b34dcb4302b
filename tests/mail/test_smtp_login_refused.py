"""C19: a refused SMTP login (a wrong SMTP_PASSWORD, say) keeps the queue; nothing is given up.

The server's 535 is the operator's mistake, not the message's: every queued mail waits
for the corrected settings, as it would for a server that cannot be reached.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from app.mail.models import OutboxStatus
from tests.mail.conftest import Outbox
from tests.support.smtp_sink import SmtpSink, _Handler

pytestmark = pytest.mark.checklist("C19")


def _refuse_every_login(*_args: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


@pytest.fixture
def login_refusing_port() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(
        _Handler(SmtpSink()),
        hostname="127.0.0.1",
        port=port,
        authenticator=_refuse_every_login,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


async def test_a_refused_smtp_login_leaves_every_queued_mail_waiting(
    outbox: Outbox, login_refusing_port: int
) -> None:
    for number in range(3):
        await outbox.enqueue(f"login{number}@example.org")
    delivery = outbox.delivery(
        smtp_port=login_refusing_port,
        smtp_username="roundtable",
        smtp_password=secrets.token_urlsafe(16),
    )

    assert await delivery.deliver_due() == 0

    rows = await outbox.rows()
    assert [row.status for row in rows] == [OutboxStatus.PENDING] * 3
    assert all("535" in (row.last_error or "") for row in rows if row.attempts)
