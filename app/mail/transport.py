"""Where mail goes: an SMTP server (aiosmtplib), or, with no SMTP_HOST, `.eml` files.

A transport opens a connection for a batch; each `send` raises a DeliveryFailure
saying whether trying again later can help.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import aiosmtplib
import structlog

from app.core.clock import now
from app.core.settings import Environment, Settings

logger = structlog.get_logger("app.mail")
_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Outgoing:
    """One message ready for the wire."""

    outbox_id: str
    message_id: str
    envelope_from: str
    to: str
    raw: bytes
    text: str


class DeliveryFailure(Exception):
    """The message was not delivered."""

    permanent = False


class TemporaryFailure(DeliveryFailure):
    """Worth trying again later (4xx reply, timeout)."""


class ConnectionFailure(TemporaryFailure):
    """The server could not be reached; the rest of the batch cannot go either."""


class PermanentFailure(DeliveryFailure):
    """The server refused for good (5xx reply): trying again would not help."""

    permanent = True


class Connection(Protocol):
    async def send(self, outgoing: Outgoing) -> None: ...


class Transport(Protocol):
    def connection(self) -> AbstractAsyncContextManager[Connection]: ...


class SmtpConnection:
    """One SMTP session, opened at the first send and reused for the batch."""

    def __init__(self, settings: Settings, tls_context: ssl.SSLContext) -> None:
        self._settings = settings
        self._tls_context = tls_context
        self._client: aiosmtplib.SMTP | None = None

    def _new_client(self) -> aiosmtplib.SMTP:
        settings = self._settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            use_tls=settings.smtp_implicit_tls,
            start_tls=False if settings.smtp_implicit_tls else settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
            tls_context=self._tls_context,
            # Named here so aiosmtplib does not ask the resolver (a blocking call).
            local_hostname=urlsplit(settings.public_url).hostname or "localhost",
        )

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = self._new_client()
        try:
            await client.connect()
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise ConnectionFailure(
                f"the SMTP server refused the login (SMTP {exc.code}: {exc.message}); "
                "check SMTP_USERNAME and SMTP_PASSWORD"
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Refused before any message was offered (a 5xx greeting too): the server or
            # our set-up is at fault, not the message, so the queue waits.
            raise ConnectionFailure(f"cannot open an SMTP session: {exc}") from exc
        self._client = client
        return client

    async def send(self, outgoing: Outgoing) -> None:
        client = await self._connected()
        try:
            await client.sendmail(outgoing.envelope_from, [outgoing.to], outgoing.raw)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            raise _failure_for_reply(min(codes, default=451), str(exc)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _failure_for_reply(exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            self._client = None
            raise ConnectionFailure(f"the SMTP connection broke: {exc}") from exc

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()


def _failure_for_reply(code: int, message: str) -> DeliveryFailure:
    text = f"SMTP {code}: {message}"
    return PermanentFailure(text) if 500 <= code < 600 else TemporaryFailure(text)


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # Reads the CA bundle from disk: built once, at start-up, off the event loop.
        self._tls_context = ssl.create_default_context()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[SmtpConnection]:
        connection = SmtpConnection(self._settings, self._tls_context)
        try:
            yield connection
        finally:
            await connection.close()


class FolderConnection:
    """Development delivery: each mail becomes an `.eml` file in MAIL_FOLDER."""

    def __init__(self, folder: Path, log_links: bool) -> None:
        self._folder = folder
        self._log_links = log_links

    async def send(self, outgoing: Outgoing) -> None:
        name = f"{now():%Y%m%dT%H%M%S}-{outgoing.outbox_id}.eml"
        try:
            path = await asyncio.to_thread(_write_private_file, self._folder / name, outgoing.raw)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write to the mail folder: {exc.strerror}") from exc
        if self._log_links:
            # Development only: lets a new user click their own verification link.
            logger.info("mail_written", path=str(path), to=outgoing.to, links=_links(outgoing))
        else:
            logger.info("mail_written", path=str(path), message_id=outgoing.message_id)


def _links(outgoing: Outgoing) -> list[str]:
    return _LINK.findall(outgoing.text)


def _write_private_file(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    return path.resolve()


class FolderTransport:
    def __init__(self, settings: Settings) -> None:
        self._folder = settings.mail_folder
        self._log_links = settings.environment == Environment.DEVELOPMENT

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[FolderConnection]:
        yield FolderConnection(self._folder, self._log_links)


def transport_for(settings: Settings) -> SmtpTransport | FolderTransport:
    return SmtpTransport(settings) if settings.smtp_host else FolderTransport(settings)
