"""The Stripe webhook: only the payment provider's signed word changes a payment status.

A delivery is verified over its raw body (signature and a 300-second tolerance), then
applied in one transaction with the row that records its event id: the same event
delivered twice, or by ten requests at once, is applied once. Each membership keeps the
`created` time of the event that last set its status, so an event older than that (a
late "active" after a "canceled") changes nothing. The membership is the one recorded at
Checkout (by session, subscription or customer id), else the one the metadata names;
an event naming a non-member, or an org other than the recorded one, is refused: logged,
audited, acknowledged, and nothing else.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import stripe
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_event
from app.authz.org_context import scope_of_signed_payment_event
from app.billing import repository
from app.billing.events import MalformedEvent, PaymentEvent, read_event
from app.billing.models import BillingAccount
from app.core.clock import now
from app.core.errors import BadRequest, Conflict, Unavailable
from app.core.request_meta import RequestMeta
from app.core.settings import Settings
from app.orgs.models import Membership, Org, PaymentStatus

SIGNATURE_TOLERANCE_SECONDS = 300

_logger = structlog.get_logger("app.billing")


class Outcome(StrEnum):
    APPLIED = "applied"  # the status changed (or was confirmed)
    LINKED = "linked"  # ids recorded, nothing said about the payment
    STALE = "stale"  # older than the event that set the current status
    IGNORED = "ignored"  # a type this webhook does not act on
    REFUSED = "refused"  # names a non-member or another org
    DUPLICATE = "duplicate"  # this event id was applied already


class WebhookNotConfigured(Unavailable):
    code = "webhook_not_configured"
    message = "Payment events are not accepted: STRIPE_WEBHOOK_SECRET is not set."


class InvalidSignature(BadRequest):
    code = "invalid_signature"
    message = "The Stripe-Signature header does not verify for this body (or is too old)."


class InvalidEvent(BadRequest):
    code = "invalid_event"
    message = "The body is not a Stripe event."


class EventCollided(Conflict):
    code = "concurrent_event"
    message = "Another event for this membership was applied at the same moment; retry."


class EventRefused(Exception):
    def __init__(self, reason: str, org: Org | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.org = org


def verified_event(settings: Settings, payload: bytes, signature: str | None) -> PaymentEvent:
    if settings.stripe_webhook_secret is None:
        raise WebhookNotConfigured()
    secret = settings.stripe_webhook_secret.get_secret_value()
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature, secret, SIGNATURE_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise InvalidSignature() from exc
    try:
        return read_event(payload)
    except MalformedEvent as exc:
        raise InvalidEvent() from exc


async def apply_event(db: AsyncSession, event: PaymentEvent, meta: RequestMeta) -> Outcome:
    """Claim the event id, act on the event, commit both; a second claim is a duplicate."""
    repository.remember_event(db, event.id, event.type, "pending")
    try:
        await db.flush()  # a concurrent delivery of this id waits here, then fails
    except IntegrityError:
        await db.rollback()
        return Outcome.DUPLICATE
    outcome = await _act_on(db, event, meta) if event.handled else Outcome.IGNORED
    await repository.set_event_outcome(db, event.id, outcome)
    try:
        await db.commit()
    except IntegrityError as exc:  # another event opened this membership's account first
        await db.rollback()
        raise EventCollided() from exc
    return outcome


async def _act_on(db: AsyncSession, event: PaymentEvent, meta: RequestMeta) -> Outcome:
    try:
        account, membership = await _membership_of(db, event)
    except EventRefused as refusal:
        _refuse(db, event, meta, refusal)
        return Outcome.REFUSED
    _link_ids(account, event)
    if event.status is None:
        return Outcome.LINKED
    if not _supersedes(event, account.status_set_by_event_at):
        return Outcome.STALE
    _set_status(db, event, meta, account, membership)
    return Outcome.APPLIED


async def _membership_of(
    db: AsyncSession, event: PaymentEvent
) -> tuple[BillingAccount, Membership]:
    account = await repository.account_by_stripe_ids(
        db,
        checkout_session_id=event.checkout_session_id,
        subscription_id=event.subscription_id,
        customer_id=event.customer_id,
    )
    if account is not None:
        return account, await _recorded_membership(db, event, account)
    if event.named_org_id is None or event.named_user_id is None:
        raise EventRefused("names no membership recorded at checkout, and no org_id/user_id")
    membership = await repository.membership_named(db, event.named_org_id, event.named_user_id)
    if membership is None:
        raise EventRefused("names someone who is not a member", await _org(db, event))
    scope = scope_of_signed_payment_event(membership.org_id)
    return await repository.open_account(db, scope, membership.id), membership


async def _recorded_membership(
    db: AsyncSession, event: PaymentEvent, account: BillingAccount
) -> Membership:
    scope = scope_of_signed_payment_event(account.org_id)
    membership = await repository.membership_in(db, scope, account.membership_id)
    if membership is None:  # the account cascades away with its membership
        raise EventRefused("the recorded membership is gone")
    org = await db.get(Org, account.org_id)
    if event.named_org_id is not None and event.named_org_id != account.org_id:
        raise EventRefused("names another org than the one recorded at checkout", org)
    if event.named_user_id is not None and event.named_user_id != membership.user_id:
        raise EventRefused("names another member than the one recorded at checkout", org)
    return membership


async def _org(db: AsyncSession, event: PaymentEvent) -> Org | None:
    return await db.get(Org, event.named_org_id) if event.named_org_id else None


def _link_ids(account: BillingAccount, event: PaymentEvent) -> None:
    account.customer_id = event.customer_id or account.customer_id
    account.subscription_id = event.subscription_id or account.subscription_id


def _supersedes(event: PaymentEvent, last_set_at: datetime | None) -> bool:
    """Newer events win; in the same second, a cancellation wins (it is final)."""
    if last_set_at is None or event.created > last_set_at:
        return True
    return event.created == last_set_at and event.status == PaymentStatus.CANCELED


def _set_status(
    db: AsyncSession,
    event: PaymentEvent,
    meta: RequestMeta,
    account: BillingAccount,
    membership: Membership,
) -> None:
    previous = membership.payment_status
    membership.payment_status = str(event.status)
    membership.payment_updated_at = now()
    account.status_set_by_event_at = event.created
    account.current_period_end = event.current_period_end or account.current_period_end
    if previous != membership.payment_status:
        record_event(
            db,
            "billing.status_changed",
            meta,
            org_id=membership.org_id,
            target_user_id=membership.user_id,
            target_id=event.id,
            details={"from": previous, "to": membership.payment_status, "event": event.type},
        )


def _refuse(
    db: AsyncSession, event: PaymentEvent, meta: RequestMeta, refusal: EventRefused
) -> None:
    _logger.warning(
        "stripe_event_refused", event_id=event.id, event_type=event.type, reason=refusal.reason
    )
    record_event(
        db,
        "billing.event_refused",
        meta,
        org_id=refusal.org.id if refusal.org is not None else None,
        target_id=event.id,
        details={
            "reason": refusal.reason,
            "event": event.type,
            "named_user_id": str(event.named_user_id) if event.named_user_id else None,
        },
    )
