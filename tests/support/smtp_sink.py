"""A real SMTP server for the tests (aiosmtpd), keeping every message it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMail:
    envelope_from: str
    envelope_to: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the mail has no text part"
        return str(part.get_content())


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.sink.refusing:
            return self.sink.refusal
        content = envelope.original_content or envelope.content
        self.sink.record(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), bytes(content)))
        return "250 OK"


class SmtpSink:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.refusing = False
        # The reply to DATA while refusing: 4xx is a temporary refusal, 5xx a permanent one.
        self.refusal = "451 try again later"
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self.controller = Controller(_Handler(self), hostname=host, port=_free_port(host))

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._messages.append(mail)

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address.lower() in (a.lower() for a in m.envelope_to)]

    async def wait_for(
        self, predicate: Callable[[ReceivedMail], bool], timeout: float = 5.0
    ) -> ReceivedMail:
        """The first received mail matching `predicate`, waiting for it to arrive."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for mail in self.messages:
                if predicate(mail):
                    return mail
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no matching mail arrived; got {len(self.messages)} others")
            await asyncio.sleep(0.01)

    async def wait_for_mail_to(self, address: str, timeout: float = 5.0) -> ReceivedMail:
        return await self.wait_for(
            lambda mail: address.lower() in (a.lower() for a in mail.envelope_to), timeout
        )
