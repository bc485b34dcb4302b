"""Stripe's webhook events, read into what the webhook acts on.

Only a payload whose signature was verified reaches `read_event`. Stripe's subscription
statuses map onto the five payment statuses; every status without access to paid
spaces (unpaid, paused, incomplete...) maps to one that grants none.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.orgs.models import PaymentStatus

CHECKOUT_COMPLETED = "checkout.session.completed"
SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    }
)
HANDLED_EVENTS = SUBSCRIPTION_EVENTS | {CHECKOUT_COMPLETED}

SUBSCRIPTION_STATUSES = {
    "trialing": PaymentStatus.TRIALING,
    "active": PaymentStatus.ACTIVE,
    "past_due": PaymentStatus.PAST_DUE,
    "unpaid": PaymentStatus.PAST_DUE,
    "paused": PaymentStatus.PAST_DUE,
    "canceled": PaymentStatus.CANCELED,
    "incomplete_expired": PaymentStatus.CANCELED,
    "incomplete": PaymentStatus.NONE,
}
# A completed Checkout says the first payment went through, or that a trial began.
CHECKOUT_PAYMENT_STATUSES = {
    "paid": PaymentStatus.ACTIVE,
    "no_payment_required": PaymentStatus.TRIALING,
}


class MalformedEvent(ValueError):
    """A signed payload that is not a Stripe event this code can read."""


@dataclass(frozen=True)
class PaymentEvent:
    id: str
    type: str
    created: datetime
    checkout_session_id: str | None = None
    customer_id: str | None = None
    subscription_id: str | None = None
    # None: the event links ids but says nothing about the payment (an unpaid checkout).
    status: PaymentStatus | None = None
    current_period_end: datetime | None = None
    named_org_id: uuid.UUID | None = None
    named_user_id: uuid.UUID | None = None

    @property
    def handled(self) -> bool:
        return self.type in HANDLED_EVENTS


def read_event(payload: bytes) -> PaymentEvent:
    try:
        event = json.loads(payload)
        basics = _text(event, "id"), _text(event, "type"), _timestamp(event["created"])
        obj = event["data"]["object"]
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedEvent("not a Stripe event") from exc
    if basics[1] not in HANDLED_EVENTS:
        return PaymentEvent(*basics)
    if not isinstance(obj, dict):
        raise MalformedEvent("the event's data.object is not an object")
    return PaymentEvent(*basics, **_details(basics[1], obj))


def _details(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    named_org_id, named_user_id = _named_membership(obj.get("metadata"))
    details: dict[str, Any] = {
        "customer_id": _optional_id(obj.get("customer")),
        "named_org_id": named_org_id,
        "named_user_id": named_user_id,
    }
    if event_type == CHECKOUT_COMPLETED:
        details["checkout_session_id"] = _optional_id(obj.get("id"))
        details["subscription_id"] = _optional_id(obj.get("subscription"))
        details["status"] = CHECKOUT_PAYMENT_STATUSES.get(str(obj.get("payment_status")))
        return details
    details["subscription_id"] = _optional_id(obj.get("id"))
    details["current_period_end"] = _period_end(obj)
    if event_type == "customer.subscription.deleted":
        details["status"] = PaymentStatus.CANCELED
    else:
        details["status"] = SUBSCRIPTION_STATUSES.get(str(obj.get("status")), PaymentStatus.NONE)
    return details


def _text(event: dict[str, Any], key: str) -> str:
    value = event[key]
    if not isinstance(value, str) or not value or len(value) > 255:
        raise ValueError(f"{key} is not an id")
    return value


def _timestamp(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not a Unix time")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError("not a Unix time") from exc


def _optional_id(value: Any) -> str | None:
    """An id, or an expanded object's id; anything else counts as absent."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and 0 < len(value) <= 255 else None


def _named_membership(metadata: Any) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    if not isinstance(metadata, dict):
        return None, None
    return _uuid(metadata.get("org_id")), _uuid(metadata.get("user_id"))


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def _period_end(subscription: dict[str, Any]) -> datetime | None:
    """Top-level on older API versions; on the subscription's items since 2025-03-31."""
    value = subscription.get("current_period_end")
    items = subscription.get("items")
    if value is None and isinstance(items, dict) and isinstance(items.get("data"), list):
        first = items["data"][0] if items["data"] else None
        value = first.get("current_period_end") if isinstance(first, dict) else None
    try:
        return _timestamp(value)
    except ValueError:
        return None
