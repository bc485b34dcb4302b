"""Queueing mail: rendered now, written to the outbox in the caller's transaction.

    await enqueue_mail(db, template="verify_email", to=user.email, context={...})
    await db.commit()   # only now is the mail sent, by the delivery loop or the worker

Also the unsubscribe list that notification mail honours.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.settings import Settings
from app.mail import repository
from app.mail.addresses import sender_domain
from app.mail.engine_settings import mail_settings_for
from app.mail.models import TRANSACTIONAL, OutboxMessage
from app.mail.rendering import render_mail
from app.mail.unsubscribe_tokens import read_unsubscribe_token, unsubscribe_token
from app.mail.wakeup import mark_mail_queued

UNSUBSCRIBE_API_PATH = "/api/v1/unsubscribe"
ONE_CLICK_API_PATH = f"{UNSUBSCRIBE_API_PATH}/one-click"
UNSUBSCRIBE_PAGE_PATH = "/unsubscribe"
_CATEGORY = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
CATEGORY_LABELS = {"replies": "replies to your posts"}


class InvalidRecipient(ValueError):
    """The recipient is not exactly one plain email address."""


@dataclass(frozen=True)
class Unsubscribe:
    """Marks notification mail: which user it is for and what they can opt out of."""

    user_id: uuid.UUID
    category: str

    def __post_init__(self) -> None:
        if not _CATEGORY.fullmatch(self.category) or self.category == TRANSACTIONAL:
            raise ValueError(f"not a notification category: {self.category!r}")


def checked_recipient(to: str) -> str:
    """`to` as one addr-spec; refuses CR/LF, display names and lists of addresses."""
    if any(char in to for char in "\r\n\0"):
        raise InvalidRecipient("the recipient holds a line break")
    try:
        address = Address(addr_spec=to.strip())
    except (ValueError, IndexError) as exc:
        raise InvalidRecipient("the recipient is not one email address") from exc
    if not address.username or not address.domain:
        raise InvalidRecipient("the recipient is not one email address")
    return address.addr_spec


def _new_message_id(settings: Settings) -> str:
    return f"<{uuid.uuid4()}@{sender_domain(settings)}>"


def _unsubscribe_parts(settings: Settings, unsubscribe: Unsubscribe) -> tuple[str, str, str]:
    """The page link for the body, the one-click URL for the header, and a label."""
    token = unsubscribe_token(settings.signing_key(), unsubscribe.user_id, unsubscribe.category)
    page = f"{settings.public_url}{UNSUBSCRIBE_PAGE_PATH}#token={token}"
    one_click = f"{settings.public_url}{ONE_CLICK_API_PATH}?token={token}"
    label = CATEGORY_LABELS.get(unsubscribe.category, f"{unsubscribe.category} notifications")
    return page, one_click, label


async def enqueue_mail(
    db: AsyncSession,
    *,
    template: str,
    to: str,
    context: Mapping[str, Any],
    unsubscribe: Unsubscribe | None = None,
) -> OutboxMessage | None:
    """Render `template` and add it to the outbox in `db`'s transaction (the caller commits).

    With `unsubscribe`, the mail is a notification: it carries RFC 8058 one-click
    unsubscribe headers, and nothing is written (None) if that user opted out of
    that category. Raises on an unknown template, a missing context variable, a
    link outside PUBLIC_URL or a recipient that is not one plain address.
    """
    recipient = checked_recipient(to)
    if unsubscribe is not None and await repository.is_unsubscribed(
        db, unsubscribe.user_id, unsubscribe.category
    ):
        return None
    settings = mail_settings_for(db)
    headers: dict[str, str] = {}
    page_url = label = None
    if unsubscribe is not None:
        page_url, one_click_url, label = _unsubscribe_parts(settings, unsubscribe)
        headers["List-Unsubscribe"] = f"<{one_click_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    rendered = render_mail(
        template,
        context,
        public_url=settings.public_url,
        unsubscribe_url=page_url,
        unsubscribe_label=label,
    )
    message = OutboxMessage(
        message_id=_new_message_id(settings),
        template=template,
        category=unsubscribe.category if unsubscribe else TRANSACTIONAL,
        to_address=recipient,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        headers=headers,
    )
    db.add(message)
    mark_mail_queued(db.sync_session)
    return message


async def unsubscribe(db: AsyncSession, settings: Settings, token: str) -> Unsubscribe:
    """Stop the notifications a token names (idempotent); commits."""
    user_id, category = read_unsubscribe_token(settings.signing_key(), token)
    await repository.add_unsubscribe(db, user_id, category)
    await db.commit()
    return Unsubscribe(user_id=user_id, category=category)


async def outbox_counts(db: AsyncSession) -> dict[str, int]:
    """How many outbox messages are in each state, for the metrics."""
    return await repository.outbox_counts(db)
