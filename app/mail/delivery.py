"""Delivering the outbox: claim due mail under a lease, sign, send, record the outcome.

The same code runs inline in the web process (EMAIL_DELIVERY=inline, woken when a
transaction that queued mail commits, and polling) and in `python -m app worker`.
Several of them may run at once: a message is claimed by exactly one lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import now
from app.core.database import Database
from app.core.settings import Settings
from app.mail import repository
from app.mail.addresses import sender_address
from app.mail.composer import compose, header_names, to_bytes
from app.mail.dkim_signing import DkimSigner, load_signer
from app.mail.models import OutboxMessage
from app.mail.transport import (
    Connection,
    ConnectionFailure,
    DeliveryFailure,
    Outgoing,
    Transport,
    transport_for,
)
from app.mail.wakeup import add_listener, remove_listener

logger = structlog.get_logger("app.mail")


@dataclass(frozen=True)
class DeliveryTuning:
    batch_size: int = 20
    poll_seconds: float = 5.0
    # A short lease, renewed every `lease_renew_seconds` while the batch is being sent:
    # mail claimed by a sender that died is free again within about `lease`.
    lease: timedelta = timedelta(seconds=30)
    lease_renew_seconds: float = 10.0
    # A message is not started when less than this is left of the lease.
    lease_margin: timedelta = timedelta(seconds=10)
    backoff_base: timedelta = timedelta(minutes=1)
    backoff_cap: timedelta = timedelta(hours=1)
    # Server unreachable: mail younger than `young_mail` is tried again within
    # `young_retry`, so a short outage delays it by seconds; older mail backs off
    # by its age (half of it, capped).
    young_mail: timedelta = timedelta(minutes=1)
    young_retry: timedelta = timedelta(seconds=4)
    stop_timeout_seconds: float = 30.0


def outage_retry_delay(
    age: timedelta, tuning: DeliveryTuning, rng: random.Random | None = None
) -> timedelta:
    """The wait after the server could not be reached: short for young mail, then by age."""
    if age < tuning.young_mail:
        ceiling = tuning.young_retry
    else:
        ceiling = min(tuning.backoff_cap, max(tuning.young_retry, age / 2))
    jitter: float = (rng or _rng).random()
    return ceiling / 2 + ceiling / 2 * jitter


def retry_delay(
    attempts: int, tuning: DeliveryTuning, rng: random.Random | None = None
) -> timedelta:
    """Exponential backoff with jitter: between half and all of base * 2^(attempts-1), capped.

    The jitter spreads the retries of mail that failed together (an SMTP outage).
    """
    ceiling: timedelta = min(tuning.backoff_cap, tuning.backoff_base * 2 ** max(attempts - 1, 0))
    jitter: float = (rng or _rng).random()
    return ceiling / 2 + ceiling / 2 * jitter


_rng = random.SystemRandom()


@dataclass
class _Lease:
    """The claim on a batch; `until` moves forward each time it is renewed."""

    lease_id: str
    until: datetime


class MailDelivery:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        transport: Transport,
        signer: DkimSigner | None,
        tuning: DeliveryTuning | None = None,
    ) -> None:
        self._settings = settings
        self._database = database
        self._transport = transport
        self._signer = signer
        self.tuning = tuning or DeliveryTuning()
        self._envelope_from = sender_address(settings).addr_spec
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # -- one pass ------------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Send every message due now; returns how many were sent.

        One connection serves the whole pass, each claim and outcome committed on its
        own: a connection per outcome would cost more than the SMTP exchange on SQLite.
        """
        sent = 0
        async with self._database.engine.connect() as connection:
            db = self._database.sessionmaker(bind=connection)
            try:
                while not self._stopping:
                    batch_sent, more = await self._claim_and_deliver(db)
                    sent += batch_sent
                    if not more:
                        break
            finally:
                await db.close()
        return sent

    async def _claim_and_deliver(self, db: AsyncSession) -> tuple[int, bool]:
        """One batch: (how many were sent, whether to look for another)."""
        lease_id = uuid.uuid4().hex
        lease_until = now() + self.tuning.lease
        batch = await repository.claim_due(
            db, now=now(), lease_until=lease_until, lease_id=lease_id, limit=self.tuning.batch_size
        )
        await db.commit()
        if not batch:
            return 0, False
        lease = _Lease(lease_id, lease_until)
        heartbeat = asyncio.create_task(self._renew_lease(lease))
        try:
            sent, server_down = await self._deliver_batch(db, batch, lease)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        # With the server down, the rest waits for its retry time instead of hammering it.
        return sent, not server_down

    async def _renew_lease(self, lease: _Lease) -> None:
        """Extend the claim of the batch being sent, on a connection of its own."""
        while True:
            await asyncio.sleep(self.tuning.lease_renew_seconds)
            until = now() + self.tuning.lease
            try:
                async with self._database.sessionmaker() as db:
                    await repository.renew_lease(db, lease.lease_id, until)
                    await db.commit()
            except Exception as exc:  # the lease then simply runs out
                logger.warning("mail_lease_renewal_failed", exc_type=type(exc).__name__)
            else:
                lease.until = until

    async def _deliver_batch(
        self, db: AsyncSession, batch: list[OutboxMessage], lease: _Lease
    ) -> tuple[int, bool]:
        """Send a claimed batch over one connection: (how many were sent, server down)."""
        sent = 0
        lease_id = lease.lease_id
        async with self._transport.connection() as connection:
            for index, message in enumerate(batch):
                if self._stopping or now() > lease.until - self.tuning.lease_margin:
                    await self._release(db, batch[index:], lease_id)
                    break
                try:
                    await self._send(connection, message)
                except ConnectionFailure as exc:
                    for unsent in batch[index:]:
                        await self._record_failure(db, unsent, lease_id, exc)
                    return sent, True
                except DeliveryFailure as exc:
                    await self._record_failure(db, message, lease_id, exc)
                except Exception as exc:
                    logger.exception("mail_unsendable", outbox_id=str(message.id))
                    await self._record_failure(db, message, lease_id, exc, permanent=True)
                else:
                    await self._record_sent(db, message, lease_id)
                    sent += 1
        return sent, False

    async def _send(self, connection: Connection, message: OutboxMessage) -> None:
        mail = compose(message, self._settings, date=now())
        raw = to_bytes(mail)
        if self._signer is not None:
            raw = await asyncio.to_thread(self._signer.sign, raw, header_names(mail))
        outgoing = Outgoing(
            outbox_id=str(message.id),
            message_id=message.message_id,
            envelope_from=self._envelope_from,
            to=message.to_address,
            raw=raw,
            text=message.text_body or "",
        )
        await connection.send(outgoing)

    # -- outcomes ------------------------------------------------------------------------

    async def _record_sent(self, db: AsyncSession, message: OutboxMessage, lease_id: str) -> None:
        kept = await repository.mark_sent(
            db, message.id, lease_id, attempts=message.attempts + 1, sent_at=now()
        )
        await db.commit()
        logger.info(
            "mail_sent",
            outbox_id=str(message.id),
            message_id=message.message_id,
            template=message.template,
            attempts=message.attempts + 1,
        )
        if not kept:
            logger.warning("mail_lease_lost_after_send", outbox_id=str(message.id))

    async def _record_failure(
        self,
        db: AsyncSession,
        message: OutboxMessage,
        lease_id: str,
        error: Exception,
        *,
        permanent: bool | None = None,
    ) -> None:
        attempts = message.attempts + 1
        if permanent is None:
            permanent = isinstance(error, DeliveryFailure) and error.permanent
        reason = f"{type(error).__name__}: {error}"
        # An unreachable server is not the message's fault: it waits for the server.
        outage = isinstance(error, ConnectionFailure)
        give_up = permanent or (not outage and attempts >= self._settings.mail_max_attempts)
        if give_up:
            await repository.mark_failed(db, message.id, lease_id, attempts=attempts, error=reason)
        else:
            if outage:
                delay = outage_retry_delay(now() - message.created_at, self.tuning)
            else:
                delay = retry_delay(attempts, self.tuning)
            next_attempt_at = now() + delay
            await repository.mark_retry(
                db,
                message.id,
                lease_id,
                attempts=attempts,
                next_attempt_at=next_attempt_at,
                error=reason,
            )
        await db.commit()
        log = logger.error if give_up else logger.warning
        log(
            "mail_failed" if give_up else "mail_retry_scheduled",
            outbox_id=str(message.id),
            message_id=message.message_id,
            template=message.template,
            attempts=attempts,
            error=reason[:300],
        )

    async def _release(
        self, db: AsyncSession, messages: list[OutboxMessage], lease_id: str
    ) -> None:
        await repository.release(db, [message.id for message in messages], lease_id)
        await db.commit()

    # -- the loop ------------------------------------------------------------------------

    def wake(self) -> None:
        """Deliver now rather than at the next poll; safe from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wakeup.set)

    def request_stop(self) -> None:
        """Finish the message being sent, give the rest of the batch back, then stop."""
        self._stopping = True
        self.wake()

    async def run(self) -> None:
        """Deliver until `request_stop`: at each wake-up, and every `poll_seconds`."""
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        add_listener(self.wake)
        try:
            while not self._stopping:
                self._wakeup.clear()
                try:
                    await self.deliver_due()
                except Exception:  # the database may be down: keep the loop alive
                    logger.exception("mail_delivery_pass_failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), await self._seconds_to_wait())
        finally:
            remove_listener(self.wake)

    async def _seconds_to_wait(self) -> float:
        """Until the next poll, or sooner when a retry falls due before it."""
        try:
            async with self._database.sessionmaker() as db:
                due = await repository.next_attempt_at(db)
        except Exception:
            return self.tuning.poll_seconds
        if due is None:
            return self.tuning.poll_seconds
        until_due = (due - now()).total_seconds() + 0.05
        return min(self.tuning.poll_seconds, max(0.05, until_due))

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="mail-delivery")

    async def stop(self) -> None:
        if self._task is None:
            return
        self.request_stop()
        try:
            await asyncio.wait_for(self._task, self.tuning.stop_timeout_seconds)
        except TimeoutError:
            logger.warning("mail_delivery_stop_timed_out")
        finally:
            self._task = None


async def build_delivery(
    settings: Settings,
    database: Database,
    tuning: DeliveryTuning | None = None,
) -> MailDelivery:
    """The delivery the settings describe; reads the DKIM key and CA bundle in a thread."""
    signer = await asyncio.to_thread(load_signer, settings)
    transport = await asyncio.to_thread(transport_for, settings)
    return MailDelivery(settings, database, transport=transport, signer=signer, tuning=tuning)
