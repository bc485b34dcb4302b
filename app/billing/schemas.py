"""Request and response bodies of billing: the org's plan, Checkout, Portal, payment status."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from app.core.schemas import RequestBody, examples
from app.orgs.models import PaymentStatus, grants_paid_access

StripePriceId = Annotated[str, StringConstraints(pattern=r"^price_[A-Za-z0-9_]{1,200}$")]


class PlanUpdate(RequestBody):
    """The Stripe Price every membership of the org subscribes to."""

    model_config = examples({"stripe_price_id": "price_1Q2w3E"})

    stripe_price_id: StripePriceId


class PlanOut(BaseModel):
    stripe_price_id: str | None


class CheckoutStart(RequestBody):
    """No fields: Checkout is always for the caller's own membership at the org's price, and
    returns to this site's own pages. Naming a user, org, price or URL is refused (422)."""

    model_config = examples({})


class RedirectOut(BaseModel):
    """Where to send the member's browser next (a Stripe-hosted page)."""

    url: str


class MemberBillingOut(BaseModel):
    user_id: uuid.UUID
    payment_status: PaymentStatus
    current_period_end: datetime | None


class MyMembershipOut(BaseModel):
    """What the org page tells a member about paying: whether the org sells memberships,
    the member's status, and whether a Stripe customer exists for the Portal."""

    org_sells_membership: bool
    payment_status: PaymentStatus
    current_period_end: datetime | None
    has_billing_account: bool

    @property
    def may_join(self) -> bool:
        return self.org_sells_membership and not grants_paid_access(self.payment_status)


class OwnStandingOut(BaseModel):
    """One of the caller's orgs on their settings page: the org and their standing in it."""

    org_id: uuid.UUID
    org_name: str
    membership: MyMembershipOut
