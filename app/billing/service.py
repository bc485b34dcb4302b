"""Billing for members and admins: the org's price, Checkout, the Portal, payment status.

Nothing the client sends chooses a price, a customer or a return URL: the price is the
org's plan, the customer is the caller's own, and Stripe sends the member back to this
site's `PUBLIC_URL`.
"""

from __future__ import annotations

import uuid
from typing import Any

from app.accounts.service import user_with_id
from app.audit.service import record_event
from app.authz.org_context import OrgContext
from app.authz.rules import may_see_payment_of
from app.billing import repository
from app.billing.schemas import (
    MemberBillingOut,
    MyMembershipOut,
    OwnStandingOut,
    PlanOut,
    PlanUpdate,
    RedirectOut,
)
from app.billing.stripe_client import create_checkout_session, create_portal_session
from app.core.errors import Conflict, NotFound
from app.core.service import RequestService
from app.core.settings import Settings
from app.orgs.models import PaymentStatus


class NoPlan(Conflict):
    code = "no_plan"
    message = "This org has no membership price yet: an owner or admin sets one first."


class AlreadySubscribed(Conflict):
    code = "already_subscribed"
    message = "Your membership is already paid; manage it through the billing portal."


class NoBillingAccount(Conflict):
    code = "no_billing_account"
    message = "You have no subscription with this org yet: start one with checkout."


def org_page_url(settings: Settings, org_id: uuid.UUID, outcome: str) -> str:
    return f"{settings.public_url.rstrip('/')}/orgs/{org_id}?checkout={outcome}"


def checkout_params(
    settings: Settings, context: OrgContext, price_id: str, customer: str | None, email: str
) -> dict[str, Any]:
    """Stripe's Checkout Session for this membership: the metadata names it on the session
    and on the subscription Stripe makes, so every later event can be matched to it."""
    metadata = {"org_id": str(context.org_id), "user_id": str(context.user_id)}
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "success_url": org_page_url(settings, context.org_id, "done"),
        "cancel_url": org_page_url(settings, context.org_id, "canceled"),
        "client_reference_id": str(context.membership_id),
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
    }
    if customer is not None:
        params["customer"] = customer
    else:
        params["customer_email"] = email
    return params


class BillingService(RequestService):
    async def plan(self, context: OrgContext) -> PlanOut:
        return PlanOut(stripe_price_id=await repository.plan_price(self.db, context.scope))

    async def set_plan(self, context: OrgContext, body: PlanUpdate) -> PlanOut:
        await repository.set_plan_price(self.db, context.scope, body.stripe_price_id)
        self._audit(context, "billing.plan_set", {"stripe_price_id": body.stripe_price_id})
        await self.db.commit()
        return PlanOut(stripe_price_id=body.stripe_price_id)

    async def checkout(self, context: OrgContext) -> RedirectOut:
        price_id = await repository.plan_price(self.db, context.scope)
        if price_id is None:
            raise NoPlan()
        if context.payment_active:
            raise AlreadySubscribed()
        account = await repository.open_account(self.db, context.scope, context.membership_id)
        user = await user_with_id(self.db, context.user_id)
        if user is None:
            raise NotFound()
        params = checkout_params(self.settings, context, price_id, account.customer_id, user.email)
        session = await create_checkout_session(self.settings, params)
        account.checkout_session_id = session.id
        self._audit(context, "billing.checkout_started", {"checkout_session_id": session.id})
        await self.db.commit()
        return RedirectOut(url=session.url)

    async def portal(self, context: OrgContext) -> RedirectOut:
        account = await repository.account_of(self.db, context.scope, context.membership_id)
        if account is None or account.customer_id is None:
            raise NoBillingAccount()
        return_url = org_page_url(self.settings, context.org_id, "managed")
        return RedirectOut(
            url=await create_portal_session(self.settings, account.customer_id, return_url)
        )

    async def member_billing(self, context: OrgContext, user_id: uuid.UUID) -> MemberBillingOut:
        """A member's payment status, to that member and to owner and admins; 404 otherwise."""
        if not may_see_payment_of(context, user_id):
            raise NotFound()
        billing = await repository.member_billing(self.db, context.scope, user_id)
        if billing is None:
            raise NotFound()
        return billing

    async def my_membership(self, context: OrgContext) -> MyMembershipOut:
        """The caller's own payment standing in the org, for the member pages."""
        scope = context.scope
        row = await repository.member_billing(self.db, scope, context.user_id)
        account = await repository.account_of(self.db, scope, context.membership_id)
        return MyMembershipOut(
            org_sells_membership=await repository.plan_price(self.db, scope) is not None,
            payment_status=row.payment_status if row else PaymentStatus.NONE,
            current_period_end=row.current_period_end if row else None,
            has_billing_account=account is not None and account.customer_id is not None,
        )

    async def my_standings(self, user_id: uuid.UUID) -> list[OwnStandingOut]:
        """The caller's own payment standing in each of their orgs, for the settings page."""
        return await repository.standings_of_user(self.db, user_id)

    def _audit(self, context: OrgContext, action: str, details: dict[str, Any]) -> None:
        record_event(
            self.db,
            action,
            self.meta,
            org_id=context.org_id,
            actor_user_id=context.user_id,
            details=details,
        )
