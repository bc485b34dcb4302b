"""C19: every mail is an outbox row of the action's own transaction, sent after commit."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.core.settings import EmailDelivery
from app.mail.lifespan import mail_lifespan
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.service import enqueue_mail
from tests.mail.conftest import LINK, Outbox
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C19")


async def test_mail_queued_in_a_committed_transaction_arrives_with_nothing_more_to_do(
    app: FastAPI, smtp_sink: SmtpSink
) -> None:
    async with app.state.database.sessionmaker() as db:
        await enqueue_mail(
            db,
            template="magic_link",
            to="ines@example.org",
            context={"link": "http://testserver/magic-link#token=abc", "minutes": 10},
        )
        await db.commit()

    mail = await smtp_sink.wait_for_mail_to("ines@example.org")

    assert "http://testserver/magic-link#token=abc" in mail.text()


async def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(
    app: FastAPI, smtp_sink: SmtpSink
) -> None:
    async with app.state.database.sessionmaker() as db:
        await enqueue_mail(
            db, template="password_changed", to="undone@example.org", context={"display_name": "U"}
        )
        await db.rollback()
        # A later mail proves the delivery loop ran after the rollback.
        await enqueue_mail(
            db, template="password_changed", to="done@example.org", context={"display_name": "D"}
        )
        await db.commit()

    await smtp_sink.wait_for_mail_to("done@example.org")

    assert smtp_sink.to("undone@example.org") == []
    async with app.state.database.sessionmaker() as db:
        addresses = (await db.scalars(select(OutboxMessage.to_address))).all()
    assert addresses == ["done@example.org"]


async def test_a_sent_mail_keeps_its_stored_message_id_and_loses_its_bodies(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    queued = await outbox.enqueue("kim@example.org")
    assert queued is not None

    assert await outbox.delivery().deliver_due() == 1

    mail = await smtp_sink.wait_for_mail_to("kim@example.org")
    row = await outbox.row(queued.message_id)
    assert mail.message["Message-ID"] == queued.message_id
    assert re.fullmatch(r"<[0-9a-f-]{36}@roundtable\.test>", queued.message_id)
    assert row.status == OutboxStatus.SENT
    assert row.sent_at is not None
    assert (row.text_body, row.html_body, row.headers) == (None, None, {})


async def test_a_mail_has_a_text_part_and_an_html_part_with_the_same_link(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    await outbox.enqueue("lea@example.org")

    await outbox.delivery().deliver_due()

    message = (await smtp_sink.wait_for_mail_to("lea@example.org")).message
    html = message.get_body(preferencelist=("html",))
    text = message.get_body(preferencelist=("plain",))
    assert message.get_content_type() == "multipart/alternative"
    assert html is not None and LINK in str(html.get_content())
    assert text is not None and LINK in str(text.get_content())


async def test_the_sender_is_email_from_in_the_header_and_the_envelope(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    await outbox.enqueue("max@example.org")

    await outbox.delivery().deliver_due()

    mail = await smtp_sink.wait_for_mail_to("max@example.org")
    assert mail.envelope_from == "no-reply@roundtable.test"
    assert mail.message["From"] == "no-reply@roundtable.test"
    assert mail.envelope_to == ["max@example.org"]


async def test_with_worker_delivery_the_web_process_only_queues_mail(outbox: Outbox) -> None:
    settings = outbox.settings.model_copy(update={"email_delivery": EmailDelivery.WORKER})

    async with mail_lifespan(settings, outbox.database) as delivery:
        queued = await outbox.enqueue("later@example.org")

    assert delivery is None
    assert queued is not None
    assert (await outbox.row(queued.message_id)).status == OutboxStatus.PENDING


async def test_inline_delivery_runs_for_the_lifespan_and_sends_what_is_committed(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    async with mail_lifespan(outbox.settings, outbox.database) as delivery:
        await outbox.enqueue("inline@example.org")
        mail = await smtp_sink.wait_for_mail_to("inline@example.org")

    assert delivery is not None
    assert mail.envelope_to == ["inline@example.org"]
