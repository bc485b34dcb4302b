"""HTTP routes of billing: the org's plan, Checkout, the Portal, a member's status, the webhook."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from app.authz.policies import BillingManager, OrgMember, PublicRoute
from app.billing.schemas import CheckoutStart, MemberBillingOut, PlanOut, PlanUpdate, RedirectOut
from app.billing.service import BillingService
from app.billing.webhook import apply_event, verified_event
from app.core.dependencies import AppSettings, DbSession, Meta
from app.core.json_body import api_router
from app.core.ratelimit import limit_by_ip

router = api_router(prefix="/orgs/{org_id}", tags=["billing"])
webhook_router = api_router(prefix="/webhooks", tags=["billing"])


async def billing_service(db: DbSession, settings: AppSettings, meta: Meta) -> BillingService:
    return BillingService(db, settings, meta)


Billing = Annotated[BillingService, Depends(billing_service)]

# Further error statuses (app.openapi gives each the error model and its description).
CHECKOUT_ERRORS: dict[int | str, dict[str, Any]] = {503: {}}
WEBHOOK_ERRORS: dict[int | str, dict[str, Any]] = {400: {}, 409: {}, 503: {}}

WEBHOOK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.get("/billing/plan")
async def read_plan(org: BillingManager, billing: Billing) -> PlanOut:
    """The org's membership price (a Stripe Price ID), or null while none is set."""
    return await billing.plan(org)


@router.put("/billing/plan")
async def set_plan(org: BillingManager, body: PlanUpdate, billing: Billing) -> PlanOut:
    """Set the Stripe Price every new membership subscription uses (owner and admins)."""
    return await billing.set_plan(org, body)


@router.post("/billing/checkout", responses=CHECKOUT_ERRORS)
async def start_checkout(
    org: OrgMember, billing: Billing, _body: CheckoutStart | None = None
) -> RedirectOut:
    """Start a Stripe Checkout for the caller's own membership at the org's price.

    Answers the Checkout page's URL. 409 `no_plan` without a price, 409
    `already_subscribed` while the membership is active or trialing, 503 while
    STRIPE_SECRET_KEY is unset or Stripe cannot be reached."""
    return await billing.checkout(org)


@router.post("/billing/portal", responses=CHECKOUT_ERRORS)
async def open_portal(org: OrgMember, billing: Billing) -> RedirectOut:
    """A Stripe Customer Portal URL for the caller's own subscription (409 before checkout)."""
    return await billing.portal(org)


@router.get("/members/{user_id}/billing")
async def read_member_billing(
    org: OrgMember, user_id: uuid.UUID, billing: Billing
) -> MemberBillingOut:
    """A member's payment status, to that member, the owner and admins (404 otherwise)."""
    return await billing.member_billing(org, user_id)


@webhook_router.post(
    "/stripe",
    dependencies=[Depends(limit_by_ip("webhook_ip"))],
    openapi_extra=WEBHOOK_BODY,
    responses=WEBHOOK_ERRORS,
)
async def stripe_webhook(
    _: PublicRoute,
    request: Request,
    db: DbSession,
    settings: AppSettings,
    meta: Meta,
    stripe_signature: Annotated[str | None, Header(max_length=2048)] = None,
) -> dict[str, Any]:
    """Stripe's signed events; the signature, not the caller, is the authority.

    400 for a missing, wrong or stale (over 300 s) signature, 503 while
    STRIPE_WEBHOOK_SECRET is unset. A verified event answers 200 with its outcome:
    applied, linked, stale, ignored (unknown type), refused (names a non-member or
    another org) or duplicate (this event id was applied already)."""
    event = verified_event(settings, await request.body(), stripe_signature)
    outcome = await apply_event(db, event, meta)
    return {"received": True, "outcome": str(outcome)}
