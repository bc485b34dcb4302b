"""C16: Checkout and the Portal, through the real `stripe` package, against a local stand-in.

The server decides everything Stripe is told: the org's price, the caller's own
membership, this site's return URLs. Nothing in the request can change any of them.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from pydantic import SecretStr

from app.orgs.models import PaymentStatus
from tests.billing.stripe_events import deliver, webhook_secret
from tests.support.stripe_standin import CHECKOUT_PATH, PORTAL_PATH, StripeStandin
from tests.support.world import World
from tests.support.world_content import Callers, org_path, set_payment

pytestmark = pytest.mark.checklist("C16")

PRICE = "price_membership_1"


@pytest.fixture
def stripe_key(app: FastAPI, monkeypatch: pytest.MonkeyPatch, stripe_standin: StripeStandin) -> str:
    key = "sk_test_" + secrets.token_hex(16)
    monkeypatch.setattr(app.state.settings, "stripe_secret_key", SecretStr(key))
    monkeypatch.setattr(app.state.settings, "stripe_api_base", stripe_standin.base_url)
    return key


@pytest.fixture
async def priced(callers: Callers, world: World, stripe_key: str) -> None:
    response = await callers("owner").put(
        f"{org_path(world)}/billing/plan", json={"stripe_price_id": PRICE}
    )
    assert response.status_code == 200


async def start_checkout(callers: Callers, world: World, body: Any = None) -> Response:
    return await callers("member").post(f"{org_path(world)}/billing/checkout", json=body or {})


def only_checkout_call(standin: StripeStandin) -> dict[str, str]:
    calls = standin.calls_to(CHECKOUT_PATH)
    assert len(calls) == 1
    return calls[0].form


@pytest.mark.usefixtures("priced")
async def test_checkout_answers_the_url_stripe_made_for_a_subscription_at_the_orgs_price(
    callers: Callers, world: World, stripe_standin: StripeStandin
) -> None:
    response = await start_checkout(callers, world)

    assert response.status_code == 200
    assert response.json()["url"].startswith("https://checkout.stripe.test/c/pay/cs_test_")
    form = only_checkout_call(stripe_standin)
    assert form["mode"] == "subscription"
    assert form["line_items[0][price]"] == PRICE
    assert form["line_items[0][quantity]"] == "1"


@pytest.mark.usefixtures("priced")
async def test_checkout_authenticates_to_stripe_with_the_configured_secret_key(
    callers: Callers, world: World, stripe_standin: StripeStandin, stripe_key: str
) -> None:
    await start_checkout(callers, world)

    assert stripe_standin.calls_to(CHECKOUT_PATH)[0].authorization == f"Bearer {stripe_key}"


@pytest.mark.usefixtures("priced")
async def test_checkout_metadata_names_the_callers_own_membership(
    callers: Callers, world: World, stripe_standin: StripeStandin
) -> None:
    await start_checkout(callers, world)

    form = only_checkout_call(stripe_standin)
    member = world.people["member"]
    for prefix in ("metadata", "subscription_data[metadata]"):
        assert form[f"{prefix}[org_id]"] == world.refs["org_id"]
        assert form[f"{prefix}[user_id]"] == str(member.user_id)
    assert form["customer_email"] == member.email


@pytest.mark.usefixtures("priced")
@pytest.mark.parametrize(
    "body",
    [
        {"user_id": "{target_user_id}"},
        {"org_id": "{other_org_id}"},
        {"price": "price_cheaper"},
        {"stripe_price_id": "price_cheaper"},
        {"success_url": "https://evil.test/thanks"},
        {"cancel_url": "https://evil.test/back"},
    ],
    ids=["user", "org", "price", "stripe_price_id", "success_url", "cancel_url"],
)
async def test_a_checkout_body_naming_anything_is_refused_and_stripe_is_not_asked(
    callers: Callers, world: World, stripe_standin: StripeStandin, body: dict[str, str]
) -> None:
    filled = {key: world.fill(value) for key, value in body.items()}

    response = await start_checkout(callers, world, filled)

    assert response.status_code == 422
    assert stripe_standin.calls == []


@pytest.mark.usefixtures("priced")
async def test_return_urls_are_this_sites_org_page_whatever_the_request_says(
    app: FastAPI, callers: Callers, world: World, stripe_standin: StripeStandin
) -> None:
    path = f"{org_path(world)}/billing/checkout?success_url=https://evil.test&return_to=//evil.test"
    headers = {"Referer": "https://evil.test/", "X-Forwarded-Host": "evil.test"}

    response = await callers("member").post(path, json={}, headers=headers)

    assert response.status_code == 200
    org_page = f"{app.state.settings.public_url.rstrip('/')}/orgs/{world.refs['org_id']}"
    form = only_checkout_call(stripe_standin)
    assert form["success_url"] == f"{org_page}?checkout=done"
    assert form["cancel_url"] == f"{org_page}?checkout=canceled"


@pytest.mark.usefixtures("stripe_key")
async def test_checkout_before_the_org_has_a_price_is_409_and_asks_stripe_nothing(
    callers: Callers, world: World, stripe_standin: StripeStandin
) -> None:
    response = await start_checkout(callers, world)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_plan"
    assert stripe_standin.calls == []


@pytest.mark.usefixtures("priced")
@pytest.mark.parametrize("status", [PaymentStatus.ACTIVE, PaymentStatus.TRIALING])
async def test_a_member_whose_membership_is_paid_cannot_start_a_second_checkout(
    app: FastAPI,
    callers: Callers,
    world: World,
    stripe_standin: StripeStandin,
    status: PaymentStatus,
) -> None:
    await set_payment(app, world, "member", status)

    response = await start_checkout(callers, world)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_subscribed"
    assert stripe_standin.calls == []


@pytest.mark.usefixtures("priced")
async def test_checkout_is_503_while_no_stripe_secret_key_is_set(
    app: FastAPI, callers: Callers, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "stripe_secret_key", None)

    response = await start_checkout(callers, world)

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "payments_not_configured"


@pytest.mark.usefixtures("priced")
async def test_stripe_refusing_the_checkout_is_a_409_naming_the_price_not_a_500(
    callers: Callers, world: World, stripe_standin: StripeStandin
) -> None:
    stripe_standin.refuse_with = 400

    response = await start_checkout(callers, world)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payment_provider_refused"


async def complete_checkout(
    app: FastAPI, client: AsyncClient, session_id: str, customer: str, monkeypatch: Any
) -> None:
    """Stripe's `checkout.session.completed`, naming only the session it made."""
    secret = webhook_secret()
    monkeypatch.setattr(app.state.settings, "stripe_webhook_secret", SecretStr(secret))
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "customer": customer,
                "subscription": "sub_from_checkout",
                "metadata": {},
            }
        },
    }
    response = await deliver(client, event, secret)
    assert response.json()["outcome"] == "linked"


@pytest.mark.usefixtures("priced")
async def test_the_portal_opens_for_the_customer_recorded_by_the_members_own_checkout(
    app: FastAPI,
    client: AsyncClient,
    callers: Callers,
    world: World,
    stripe_standin: StripeStandin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checkout_url = (await start_checkout(callers, world)).json()["url"]
    session_id = checkout_url.rsplit("/", 1)[1]
    await complete_checkout(app, client, session_id, "cus_member", monkeypatch)

    response = await callers("member").post(f"{org_path(world)}/billing/portal", json={})

    assert response.status_code == 200
    assert response.json()["url"].startswith("https://billing.stripe.test/p/session/")
    portal = stripe_standin.calls_to(PORTAL_PATH)
    assert [call.form["customer"] for call in portal] == ["cus_member"]
    org_page = f"{app.state.settings.public_url.rstrip('/')}/orgs/{world.refs['org_id']}"
    assert portal[0].form["return_url"] == f"{org_page}?checkout=managed"


@pytest.mark.usefixtures("priced")
async def test_the_portal_before_any_checkout_is_409_and_asks_stripe_nothing(
    callers: Callers, world: World, stripe_standin: StripeStandin
) -> None:
    response = await callers("member").post(f"{org_path(world)}/billing/portal", json={})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_billing_account"
    assert stripe_standin.calls == []
