"""Billing pages: "Join" starts Stripe Checkout for the member's own membership, and
"Manage billing" opens the Stripe Customer Portal. Both are form POSTs (CSRF-checked
like every page form) answered with a redirect to the Stripe-hosted page; the price,
the customer and the return URL are the server's, as in the API."""

from __future__ import annotations

from fastapi.responses import RedirectResponse, Response

from app.authz.policies import OrgMember
from app.billing.endpoints import Billing
from app.orgs.models import PaymentStatus
from app.pages.routing import page_router

router = page_router()

PAYMENT_WORDS = {
    PaymentStatus.NONE: "not paid yet",
    PaymentStatus.TRIALING: "in its free trial",
    PaymentStatus.ACTIVE: "paid",
    PaymentStatus.PAST_DUE: "overdue: please update your payment details",
    PaymentStatus.CANCELED: "canceled",
}


def to_stripe(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


@router.post("/orgs/{org_id}/join")
async def join(org: OrgMember, billing: Billing) -> Response:
    return to_stripe((await billing.checkout(org)).url)


@router.post("/orgs/{org_id}/manage-billing")
async def manage_billing(org: OrgMember, billing: Billing) -> Response:
    return to_stripe((await billing.portal(org)).url)
