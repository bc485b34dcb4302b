"""Fixtures of the mail tests: an outbox of their own, DKIM keys, a local DNS server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import delete, select

from app.core.database import Database
from app.core.logging import configure_logging
from app.core.migrations import upgrade
from app.core.settings import Settings
from app.mail.delivery import DeliveryTuning, MailDelivery
from app.mail.dkim_keys import generate_private_key, pkcs1_pem
from app.mail.dkim_signing import DkimSigner
from app.mail.engine_settings import bind_mail_settings
from app.mail.models import MailUnsubscribe, OutboxMessage
from app.mail.service import Unsubscribe, enqueue_mail
from app.mail.transport import transport_for
from tests.conftest import make_settings
from tests.support.scratch_database import scratch_database
from tests.support.smtp_sink import SmtpSink

LINK = "http://testserver/verify-email#token=live-single-use-token"


@pytest.fixture(scope="session")
def dkim_key() -> rsa.RSAPrivateKey:
    """Made at test time; never written to the repository."""
    return generate_private_key()


@pytest.fixture(scope="session")
def dkim_key_pem(dkim_key: rsa.RSAPrivateKey) -> bytes:
    return pkcs1_pem(dkim_key)


@pytest.fixture(scope="session")
async def outbox_database_url(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database of the suite's kind but its own, so the app's inline delivery never
    takes the messages these tests deliver step by step."""
    async with scratch_database(database_url, tmp_path_factory.mktemp("outbox")) as url:
        upgrade(url)
        yield url


@dataclass
class Outbox:
    """The outbox database, with the settings its mail is rendered and sent with."""

    settings: Settings
    database: Database
    smtp_port: int
    _extra_databases: list[Database] = field(default_factory=list)

    async def enqueue(
        self,
        to: str,
        template: str = "verify_email",
        context: Mapping[str, Any] | None = None,
        unsubscribe: Unsubscribe | None = None,
    ) -> OutboxMessage | None:
        async with self.database.sessionmaker() as db:
            message = await enqueue_mail(
                db,
                template=template,
                to=to,
                context=context or {"display_name": "Ada", "link": LINK},
                unsubscribe=unsubscribe,
            )
            await db.commit()
        return message

    def delivery(
        self,
        *,
        signer: DkimSigner | None = None,
        tuning: DeliveryTuning | None = None,
        own_engine: bool = False,
        **overrides: Any,
    ) -> MailDelivery:
        """A delivery on this outbox; `own_engine` gives it connections of its own."""
        settings = self.settings
        if overrides:
            port = overrides.pop("smtp_port", self.smtp_port)
            settings = make_settings(self.settings.database_url, port, **overrides)
        database = self.database
        if own_engine:
            database = Database(settings)
            self._extra_databases.append(database)
        return MailDelivery(
            settings,
            database,
            transport=transport_for(settings),
            signer=signer,
            tuning=tuning,
        )

    async def rows(self) -> list[OutboxMessage]:
        async with self.database.sessionmaker() as db:
            return list((await db.scalars(select(OutboxMessage))).all())

    async def row(self, message_id: str) -> OutboxMessage:
        async with self.database.sessionmaker() as db:
            found = await db.scalar(
                select(OutboxMessage).where(OutboxMessage.message_id == message_id)
            )
        assert found is not None, f"no outbox row {message_id}"
        return found

    async def close(self) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(delete(OutboxMessage))
            await connection.execute(delete(MailUnsubscribe))
        for database in [self.database, *self._extra_databases]:
            await database.dispose()


@pytest.fixture
async def outbox(outbox_database_url: str, smtp_sink: SmtpSink) -> AsyncIterator[Outbox]:
    settings = make_settings(outbox_database_url, smtp_sink.port)
    database = Database(settings)
    bind_mail_settings(database.engine, settings)
    harness = Outbox(settings, database, smtp_sink.port)
    yield harness
    await harness.close()


@pytest.fixture
def refusing_sink(smtp_sink: SmtpSink) -> Iterator[SmtpSink]:
    """The sink, refusing every message until a test sets `refusing = False`."""
    smtp_sink.refusing = True
    yield smtp_sink
    smtp_sink.refusing = False
    smtp_sink.refusal = "451 try again later"


@pytest.fixture
def json_logs() -> None:
    """The log set-up the app has outside development (JSON lines, redacted)."""
    configure_logging(json_lines=True)


@pytest.fixture
def key_file(tmp_path: Path, dkim_key_pem: bytes) -> Path:
    path = tmp_path / "dkim.pem"
    path.write_bytes(dkim_key_pem)
    path.chmod(0o600)
    return path
