"""C19: outgoing mail is DKIM-signed with d= the From domain and verifies with dkimpy."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from app.core.settings import ConfigurationError
from app.mail.delivery import build_delivery
from app.mail.dkim_keys import public_key_base64
from app.mail.dkim_signing import DkimSigner, load_signer
from app.mail.dns_records import dkim_record
from app.mail.service import Unsubscribe
from tests.conftest import make_settings
from tests.mail.conftest import Outbox
from tests.support.smtp_sink import ReceivedMail, SmtpSink

pytestmark = pytest.mark.checklist("C19")

DOMAIN = "roundtable.test"
SELECTOR = "s2026"
REPLY = {
    "post_title": "Spring plans",
    "commenter_name": "Bo",
    "comment_excerpt": "Count me in",
    "link": "http://testserver/orgs/o/posts/p",
}


def published(key: rsa.RSAPrivateKey) -> Any:
    """A `dnsfunc` for dkimpy: the DNS as `dns-records` would have it published."""
    record = dkim_record(DOMAIN, SELECTOR, public_key_base64(key))

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record.value.encode() if name.decode().rstrip(".") == record.name else None

    return lookup


def signature_tags(mail: ReceivedMail) -> dict[bytes, bytes]:
    header = mail.message["DKIM-Signature"]
    assert header is not None, "the mail is not signed"
    tags: dict[bytes, bytes] = dkim.util.parse_tag_value("".join(str(header).split()).encode())
    return tags


async def signed_mail(
    outbox: Outbox, sink: SmtpSink, key_pem: bytes, to: str, **enqueue: Any
) -> ReceivedMail:
    signer = DkimSigner(domain=DOMAIN, selector=SELECTOR, private_key_pem=key_pem)
    await outbox.enqueue(to, **enqueue)
    await outbox.delivery(signer=signer).deliver_due()
    return await sink.wait_for_mail_to(to)


async def test_sent_mail_verifies_against_the_published_key(
    outbox: Outbox, smtp_sink: SmtpSink, dkim_key: rsa.RSAPrivateKey, dkim_key_pem: bytes
) -> None:
    mail = await signed_mail(outbox, smtp_sink, dkim_key_pem, "sig@example.org")

    assert dkim.verify(mail.raw, dnsfunc=published(dkim_key))


async def test_the_signing_domain_is_the_from_domain(
    outbox: Outbox, smtp_sink: SmtpSink, dkim_key_pem: bytes
) -> None:
    mail = await signed_mail(outbox, smtp_sink, dkim_key_pem, "aligned@example.org")

    tags = signature_tags(mail)
    assert tags[b"d"].decode() == str(mail.message["From"]).rpartition("@")[2] == DOMAIN
    assert tags[b"s"].decode() == SELECTOR


async def test_the_signature_covers_the_headers_receivers_rely_on(
    outbox: Outbox, smtp_sink: SmtpSink, dkim_key_pem: bytes
) -> None:
    user = Unsubscribe(user_id=uuid.uuid4(), category="replies")
    mail = await signed_mail(
        outbox,
        smtp_sink,
        dkim_key_pem,
        "covered@example.org",
        template="reply_notification",
        context=REPLY,
        unsubscribe=user,
    )

    signed = {name.strip().lower() for name in signature_tags(mail)[b"h"].decode().split(":")}
    assert signed >= {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "list-unsubscribe",
        "list-unsubscribe-post",
    }


async def test_a_mail_changed_after_signing_fails_verification(
    outbox: Outbox, smtp_sink: SmtpSink, dkim_key: rsa.RSAPrivateKey, dkim_key_pem: bytes
) -> None:
    mail = await signed_mail(outbox, smtp_sink, dkim_key_pem, "tamper@example.org")
    subject = str(mail.message["Subject"]).encode()

    tampered = mail.raw.replace(subject, b"Your account is suspended", 1)

    assert tampered != mail.raw
    assert not dkim.verify(tampered, dnsfunc=published(dkim_key))


async def test_a_key_from_dkim_private_key_file_signs_mail(
    outbox: Outbox, smtp_sink: SmtpSink, dkim_key: rsa.RSAPrivateKey, key_file: Path
) -> None:
    settings = make_settings(
        outbox.settings.database_url,
        smtp_sink.port,
        dkim_private_key_file=key_file,
        dkim_selector=SELECTOR,
    )
    delivery = await build_delivery(settings, outbox.database)
    await outbox.enqueue("file@example.org")

    await delivery.deliver_due()

    mail = await smtp_sink.wait_for_mail_to("file@example.org")
    assert dkim.verify(mail.raw, dnsfunc=published(dkim_key))


async def test_without_a_key_mail_goes_out_unsigned_after_one_warning_at_start_up(
    outbox: Outbox,
    smtp_sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
    json_logs: None,
) -> None:
    capsys.readouterr()
    delivery = await build_delivery(outbox.settings, outbox.database)
    await outbox.enqueue("plain1@example.org")
    await outbox.enqueue("plain2@example.org")

    await delivery.deliver_due()

    mails = [await smtp_sink.wait_for_mail_to(f"plain{n}@example.org") for n in (1, 2)]
    assert all(mail.message["DKIM-Signature"] is None for mail in mails)
    assert capsys.readouterr().out.count('"dkim_disabled"') == 1


def test_a_dkim_key_without_a_selector_refuses_to_start(
    outbox: Outbox, dkim_key_pem: bytes
) -> None:
    settings = make_settings(
        outbox.settings.database_url, outbox.smtp_port, dkim_private_key=dkim_key_pem.decode()
    )

    with pytest.raises(ConfigurationError, match="DKIM_SELECTOR"):
        load_signer(settings)


def test_a_dkim_key_that_is_not_a_private_key_refuses_to_start(outbox: Outbox) -> None:
    settings = make_settings(
        outbox.settings.database_url,
        outbox.smtp_port,
        dkim_private_key="not a key",
        dkim_selector=SELECTOR,
    )

    with pytest.raises(ConfigurationError, match="DKIM_PRIVATE_KEY"):
        load_signer(settings)
