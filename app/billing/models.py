"""The org's membership price, each membership's link to Stripe, and the events applied."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base, UUIDPrimaryKey

STRIPE_ID_LENGTH = 255


class BillingPlan(Base):
    """What a membership of the org costs: a Stripe Price ID chosen by an owner or admin."""

    __tablename__ = "billing_plans"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    stripe_price_id: Mapped[str] = mapped_column(String(STRIPE_ID_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(default=now)


class BillingAccount(UUIDPrimaryKey, Base):
    """One membership's Stripe records: the checkout session it started, then the customer
    and subscription Stripe made. Events find their membership through these ids."""

    __tablename__ = "billing_accounts"
    __table_args__ = (
        Index("ix_billing_accounts_checkout_session_id", "checkout_session_id", unique=True),
        Index("ix_billing_accounts_customer_id", "customer_id"),
        Index("ix_billing_accounts_subscription_id", "subscription_id"),
    )

    membership_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), unique=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    checkout_session_id: Mapped[str | None] = mapped_column(String(STRIPE_ID_LENGTH))
    customer_id: Mapped[str | None] = mapped_column(String(STRIPE_ID_LENGTH))
    subscription_id: Mapped[str | None] = mapped_column(String(STRIPE_ID_LENGTH))
    current_period_end: Mapped[datetime | None]
    # The `created` time of the event that last set the payment status: an older event
    # arriving later changes nothing.
    status_set_by_event_at: Mapped[datetime | None]


class StripeEvent(Base):
    """Every webhook event id applied, stored in the transaction of its effect."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(STRIPE_ID_LENGTH), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=now)
