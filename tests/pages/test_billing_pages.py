"""C16 on the member pages: "Join" goes to the Stripe Checkout the server made for the
member's own membership; the org page shows the member's payment status."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update

from app.billing.models import BillingAccount
from app.orgs.models import Membership, PaymentStatus
from tests.pages.forms import SAME_ORIGIN, submit
from tests.support.accounts import verified_member
from tests.support.orgs import create_org
from tests.support.smtp_sink import SmtpSink
from tests.support.stripe_standin import CHECKOUT_PATH, PORTAL_PATH, StripeStandin

pytestmark = pytest.mark.checklist("C16")

PRICE = "price_pages_1"


@pytest.fixture
async def coach(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> AsyncClient:
    client = new_client()
    await verified_member(client, smtp_sink, "coach.billing@example.org", name="Coach Billing")
    return client


async def priced_org(client: AsyncClient) -> str:
    org_id = await create_org(client, name="Paid Circle", slug="paid-circle")
    plan = await client.put(f"/api/v1/orgs/{org_id}/billing/plan", json={"stripe_price_id": PRICE})
    assert plan.status_code == 200, plan.text
    return org_id


async def set_standing(app: FastAPI, org: str, status: PaymentStatus, customer: str) -> None:
    """What Stripe's webhook events leave behind: a status and a linked customer."""
    org_id = uuid.UUID(org)
    async with app.state.database.sessionmaker() as db:
        membership = (
            update(Membership).where(Membership.org_id == org_id).values(payment_status=status)
        )
        await db.execute(membership)
        await db.execute(
            update(BillingAccount)
            .where(BillingAccount.org_id == org_id)
            .values(customer_id=customer)
        )
        await db.commit()


async def test_an_org_that_sells_no_membership_shows_no_join_button(coach: AsyncClient) -> None:
    org_id = await create_org(coach, name="Free Circle", slug="free-circle")

    page = (await coach.get(f"/orgs/{org_id}")).text

    assert "Join: pay for membership" not in page


@pytest.mark.usefixtures("stripe_configured")
async def test_join_redirects_to_the_checkout_stripe_made_at_the_orgs_price(
    coach: AsyncClient, stripe_standin: StripeStandin
) -> None:
    org_id = await priced_org(coach)
    page = f"/orgs/{org_id}"
    assert "Join: pay for membership" in (await coach.get(page)).text

    answer = await submit(coach, page, f"{page}/join", {})

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("https://checkout.stripe.test/c/pay/cs_test_")
    [call] = stripe_standin.calls_to(CHECKOUT_PATH)
    assert call.form["line_items[0][price]"] == PRICE
    assert call.form["metadata[org_id]"] == org_id


@pytest.mark.usefixtures("stripe_configured")
async def test_join_without_the_forms_csrf_value_is_refused_and_stripe_is_not_asked(
    coach: AsyncClient, stripe_standin: StripeStandin
) -> None:
    org_id = await priced_org(coach)

    answer = await coach.post(f"/orgs/{org_id}/join", data={}, headers=SAME_ORIGIN)

    assert answer.status_code == 403
    assert stripe_standin.calls == []


@pytest.mark.usefixtures("stripe_configured")
async def test_a_paid_member_sees_their_status_and_manage_billing_instead_of_join(
    app: FastAPI, coach: AsyncClient
) -> None:
    org_id = await priced_org(coach)
    await submit(coach, f"/orgs/{org_id}", f"/orgs/{org_id}/join", {})
    await set_standing(app, org_id, PaymentStatus.ACTIVE, "cus_pages")

    page = (await coach.get(f"/orgs/{org_id}")).text

    assert "Payment: paid" in page
    assert "Join: pay for membership" not in page
    assert "Manage billing" in page


@pytest.mark.usefixtures("stripe_configured")
async def test_manage_billing_redirects_to_the_portal_of_the_members_own_customer(
    app: FastAPI, coach: AsyncClient, stripe_standin: StripeStandin
) -> None:
    org_id = await priced_org(coach)
    await submit(coach, f"/orgs/{org_id}", f"/orgs/{org_id}/join", {})
    await set_standing(app, org_id, PaymentStatus.PAST_DUE, "cus_pages")
    page = f"/orgs/{org_id}"
    assert "overdue: please update your payment details" in (await coach.get(page)).text

    answer = await submit(coach, page, f"{page}/manage-billing", {})

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("https://billing.stripe.test/p/session/")
    assert [call.form["customer"] for call in stripe_standin.calls_to(PORTAL_PATH)] == ["cus_pages"]
