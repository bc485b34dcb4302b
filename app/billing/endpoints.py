"""HTTP routes of billing: the org's plan, Checkout, the Portal, a member's status, the webhook."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from app.authz.policies import BillingManager, OrgMember, PublicRoute
from app.billing.schemas import CheckoutStart, MemberBillingOut, PlanOut, PlanUpdate, RedirectOut
from app.billing.service import BillingService
from app.billing.webhook import apply_event, verified_event
from app.core.api_docs import Responses, errors
from app.core.dependencies import AppSettings, DbSession, Meta, service_dependency
from app.core.json_body import api_router
from app.core.limits import rate_limit

router = api_router(prefix="/orgs/{org_id}", tags=["billing"])
webhook_router = api_router(prefix="/webhooks", tags=["billing"])


Billing = Annotated[BillingService, Depends(service_dependency(BillingService))]

# Further error statuses (app.openapi gives each the error model and its description).
STRIPE_UNAVAILABLE = (
    "Payments are not configured here (`payments_not_configured`: STRIPE_SECRET_KEY is "
    "unset) or Stripe cannot be reached (`payment_provider_unavailable`); or the "
    "database is unreachable (`service_unavailable`, with `Retry-After`)."
)
CHECKOUT_ERRORS: Responses = errors(
    503,
    notes={
        409: "The org sells no membership yet (`no_plan`), the membership is active or "
        "trialing already (`already_subscribed`), or Stripe refused the request "
        "(`payment_provider_refused`).",
        503: STRIPE_UNAVAILABLE,
    },
)
PORTAL_ERRORS: Responses = errors(
    503,
    notes={
        409: "The caller has not been through Checkout, so Stripe has no customer for "
        "them (`no_billing_account`); or Stripe refused the request.",
        503: STRIPE_UNAVAILABLE,
    },
)
WEBHOOK_ERRORS: Responses = errors(
    400,
    409,
    503,
    notes={
        400: "The `Stripe-Signature` is missing, wrong or older than 300 seconds "
        "(`invalid_signature`), or the signed body is not a Stripe event "
        "(`invalid_event`).",
        409: "Another delivery of the same event is being applied right now "
        "(`concurrent_event`): Stripe retries it.",
        503: "STRIPE_WEBHOOK_SECRET is unset (`webhook_not_configured`), or the database "
        "is unreachable (`service_unavailable`, with `Retry-After`).",
    },
)

WEBHOOK_EXAMPLE: dict[str, Any] = {
    "id": "evt_1Q2w3E4r5T6y",
    "type": "customer.subscription.updated",
    "created": 1765000000,
    "data": {
        "object": {
            "id": "sub_1Q2w3E4r5T6y",
            "object": "subscription",
            "customer": "cus_Q2w3E4r5T6y",
            "status": "active",
            "current_period_end": 1767600000,
            "metadata": {
                "org_id": "6f1c1d3e-8a2b-4c5d-9e0f-1a2b3c4d5e6f",
                "user_id": "0b9e8d7c-6a5b-4c3d-8e2f-1a0b9c8d7e6f",
            },
        }
    },
}
WEBHOOK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The Stripe event exactly as Stripe sent it (it is signed).",
        "content": {"application/json": {"schema": {"type": "object"}, "example": WEBHOOK_EXAMPLE}},
    }
}


@router.get("/billing/plan", summary="Read the org's membership price")
async def read_plan(org: BillingManager, billing: Billing) -> PlanOut:
    """The Stripe Price ID a membership of the org subscribes to, or null while the
    org sells no membership (owner and admins)."""
    return await billing.plan(org)


@router.put("/billing/plan", summary="Set the org's membership price")
async def set_plan(org: BillingManager, body: PlanUpdate, billing: Billing) -> PlanOut:
    """Set the Stripe Price (created in the Stripe dashboard) that every new membership
    subscription uses (owner and admins). Existing subscriptions keep theirs."""
    return await billing.set_plan(org, body)


@router.post("/billing/checkout", summary="Pay for my membership", responses=CHECKOUT_ERRORS)
async def start_checkout(
    org: OrgMember, billing: Billing, _body: CheckoutStart | None = None
) -> RedirectOut:
    """Start a Stripe Checkout for the caller's own membership at the org's price, and
    answer the URL of the Checkout page to send the browser to. Stripe returns the
    member to this site's org page; the webhook then records the payment."""
    return await billing.checkout(org)


@router.post("/billing/portal", summary="Manage my subscription", responses=PORTAL_ERRORS)
async def open_portal(org: OrgMember, billing: Billing) -> RedirectOut:
    """A Stripe Customer Portal URL where the caller manages their own subscription:
    payment method, invoices, cancelling."""
    return await billing.portal(org)


@router.get("/members/{user_id}/billing", summary="Read a member's payment status")
async def read_member_billing(
    org: OrgMember, user_id: uuid.UUID, billing: Billing
) -> MemberBillingOut:
    """A member's payment status (`none`, `trialing`, `active`, `past_due` or
    `canceled`) and the end of the paid period. Shown to that member, the owner and
    admins; a 404 to anyone else."""
    return await billing.member_billing(org, user_id)


@webhook_router.post(
    "/stripe",
    dependencies=[rate_limit("webhook_ip")],
    openapi_extra=WEBHOOK_BODY,
    responses=WEBHOOK_ERRORS,
    summary="Receive a Stripe event",
)
async def stripe_webhook(
    _: PublicRoute,
    request: Request,
    db: DbSession,
    settings: AppSettings,
    meta: Meta,
    stripe_signature: Annotated[str | None, Header(max_length=2048)] = None,
) -> dict[str, Any]:
    """Stripe's signed events about Checkout sessions and subscriptions, which set the
    members' payment status. The `Stripe-Signature` header, not the caller, is the
    authority; this is for Stripe, not for clients.

    A verified event answers 200 with its outcome: `applied`, `linked`, `stale` (an
    older event than one applied), `ignored` (a type not used here), `refused` (it
    names a non-member or another org) or `duplicate` (this event id was applied
    already)."""
    event = verified_event(settings, await request.body(), stripe_signature)
    outcome = await apply_event(db, event, meta)
    return {"received": True, "outcome": str(outcome)}
