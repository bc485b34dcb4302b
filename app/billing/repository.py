"""The queries of billing: plans, billing accounts and applied events.

Plans and accounts are org data: their queries take the `OrgScope` the authorization
layer issued. The webhook's lookups by Stripe id (`account_by_stripe_ids`) and by the
event's metadata (`membership_named`) are the bearer lookups of a signed event: the
signature is checked first, and the scope of the org found is then issued by
`app.authz.org_context.scope_of_signed_payment_event`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz.org_context import OrgScope
from app.billing.models import BillingAccount, BillingPlan, StripeEvent
from app.billing.schemas import MemberBillingOut, OwnStandingOut
from app.core.clock import now
from app.core.schemas import Records
from app.orgs.models import Membership, Org

MEMBER_BILLINGS = Records(MemberBillingOut)
STANDINGS = Records(OwnStandingOut)


async def plan_price(db: AsyncSession, scope: OrgScope) -> str | None:
    plan = await db.get(BillingPlan, scope.org_id)
    return plan.stripe_price_id if plan is not None else None


async def set_plan_price(db: AsyncSession, scope: OrgScope, price_id: str) -> None:
    plan = await db.get(BillingPlan, scope.org_id)
    if plan is None:
        db.add(BillingPlan(org_id=scope.org_id, stripe_price_id=price_id))
    else:
        plan.stripe_price_id = price_id
        plan.updated_at = now()


async def account_of(
    db: AsyncSession, scope: OrgScope, membership_id: uuid.UUID
) -> BillingAccount | None:
    query = select(BillingAccount).where(
        BillingAccount.org_id == scope.org_id, BillingAccount.membership_id == membership_id
    )
    return (await db.execute(query)).scalar_one_or_none()


async def open_account(
    db: AsyncSession, scope: OrgScope, membership_id: uuid.UUID
) -> BillingAccount:
    account = await account_of(db, scope, membership_id)
    if account is None:
        account = BillingAccount(org_id=scope.org_id, membership_id=membership_id)
        db.add(account)
    return account


async def member_billing(
    db: AsyncSession, scope: OrgScope, user_id: uuid.UUID
) -> MemberBillingOut | None:
    query = (
        select(Membership.user_id, Membership.payment_status, BillingAccount.current_period_end)
        .outerjoin(BillingAccount, BillingAccount.membership_id == Membership.id)
        .where(Membership.org_id == scope.org_id, Membership.user_id == user_id)
    )
    return await MEMBER_BILLINGS.fetch_one_or_none(db, query)


async def membership_in(
    db: AsyncSession, scope: OrgScope, membership_id: uuid.UUID
) -> Membership | None:
    query = select(Membership).where(
        Membership.org_id == scope.org_id, Membership.id == membership_id
    )
    return (await db.execute(query)).scalar_one_or_none()


async def account_by_stripe_ids(
    db: AsyncSession,
    *,
    checkout_session_id: str | None,
    subscription_id: str | None,
    customer_id: str | None,
) -> BillingAccount | None:
    """The account a signed event's ids point to, most specific id first (bearer lookup;
    see the module doc). Locked, so two events for one membership apply one at a time."""
    for column, value in (
        (BillingAccount.checkout_session_id, checkout_session_id),
        (BillingAccount.subscription_id, subscription_id),
        (BillingAccount.customer_id, customer_id),
    ):
        if value:
            query = select(BillingAccount).where(column == value).limit(1).with_for_update()
            account = (await db.execute(query)).scalar_one_or_none()
            if account is not None:
                return account
    return None


async def membership_named(
    db: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
) -> Membership | None:
    """The membership a signed event's metadata names (bearer lookup; see the module doc)."""
    query = select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
    return (await db.execute(query)).scalar_one_or_none()


def remember_event(db: AsyncSession, event_id: str, event_type: str, outcome: str) -> None:
    db.add(StripeEvent(id=event_id, type=event_type, outcome=outcome))


async def set_event_outcome(db: AsyncSession, event_id: str, outcome: str) -> None:
    event = await db.get(StripeEvent, event_id)
    if event is not None:
        event.outcome = outcome


async def standings_of_user(db: AsyncSession, user_id: uuid.UUID) -> list[OwnStandingOut]:
    """The caller's own memberships with their payment standing, every org at once (no org
    context: like `app.orgs.repository.orgs_of_user`, this is the caller's own list)."""
    query = (
        select(
            Org.id.label("org_id"),
            Org.name.label("org_name"),
            BillingPlan.org_id.is_not(None).label("org_sells_membership"),
            Membership.payment_status,
            BillingAccount.current_period_end,
            BillingAccount.customer_id.is_not(None).label("has_billing_account"),
        )
        .join(Membership, Membership.org_id == Org.id)
        .outerjoin(BillingAccount, BillingAccount.membership_id == Membership.id)
        .outerjoin(BillingPlan, BillingPlan.org_id == Org.id)
        .where(Membership.user_id == user_id)
        .order_by(Org.name, Org.id)
    )
    rows = (await db.execute(query)).mappings()
    return STANDINGS.all(
        {"org_id": row["org_id"], "org_name": row["org_name"], "membership": dict(row)}
        for row in rows  # the other columns are the membership's (MyMembershipOut)
    )
