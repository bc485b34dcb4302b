"""Outbox row to RFC 5322 message: headers built only from checked, single-line values."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from app.core.settings import Settings
from app.mail.addresses import sender_address
from app.mail.models import OutboxMessage
from app.mail.rendering import single_line

# Bodies are encoded for 7-bit transport in lines of at most 78 characters; headers are
# written with the 998-character limit of RFC 5322 so that the one-click unsubscribe
# URL stays one unbroken token instead of being folded into encoded words.
_BUILD_POLICY = SMTP.clone(cte_type="7bit")
_WRITE_POLICY = _BUILD_POLICY.clone(max_line_length=998)

# The only extra headers an outbox row may carry.
EXTRA_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post"})
_MAX_HEADER_VALUE = 2000


def compose(message: OutboxMessage, settings: Settings, *, date: datetime) -> EmailMessage:
    """The message to send for an outbox row, dated `date`."""
    mail = EmailMessage(policy=_BUILD_POLICY)
    mail["From"] = sender_address(settings)
    mail["To"] = Address(addr_spec=message.to_address)
    mail["Subject"] = single_line(message.subject)
    mail["Date"] = format_datetime(date)
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    for name, value in message.headers.items():
        if name not in EXTRA_HEADERS:
            raise ValueError(f"the outbox row carries an unexpected header {name!r}")
        mail[name] = single_line(value, _MAX_HEADER_VALUE)
    mail.set_content(message.text_body or "")
    if message.html_body:
        mail.add_alternative(message.html_body, subtype="html")
    return mail


def header_names(mail: EmailMessage) -> set[str]:
    return set(mail.keys())


def to_bytes(mail: EmailMessage) -> bytes:
    return mail.as_bytes(policy=_WRITE_POLICY)
