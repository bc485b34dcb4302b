"""C16: the payment webhook believes only Stripe's signed, fresh, first delivery of an event.

Every test asserts the member's stored payment status afterwards, through the API.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from pydantic import SecretStr

from tests.billing.stripe_events import (
    WEBHOOK,
    audit_count,
    deliver,
    signature,
    subscription_event,
    webhook_secret,
)
from tests.support.world import World
from tests.support.world_content import Callers, org_path

pytestmark = pytest.mark.checklist("C16")


@pytest.fixture
def secret(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> str:
    value = webhook_secret()
    monkeypatch.setattr(app.state.settings, "stripe_webhook_secret", SecretStr(value))
    return value


def member_event(world: World, status: str, **kwargs: object) -> dict[str, object]:
    return subscription_event(
        status,
        org_id=world.refs["org_id"],
        user_id=str(world.people["member"].user_id),
        created=kwargs.pop("created", int(time.time())),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


async def member_status(callers: Callers, world: World) -> str:
    user_id = world.people["member"].user_id
    response = await callers("member").get(f"{org_path(world)}/members/{user_id}/billing")
    assert response.status_code == 200
    return str(response.json()["payment_status"])


async def test_a_signed_event_sets_the_members_payment_status(
    client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    response = await deliver(client, member_event(world, "active"), secret)

    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "applied"}
    assert await member_status(callers, world) == "active"


async def test_an_event_signed_with_another_secret_is_refused(
    client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    response = await deliver(client, member_event(world, "active"), webhook_secret())

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert await member_status(callers, world) == "none"


async def test_an_event_signed_more_than_300_seconds_ago_is_refused(
    client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    stale = int(time.time()) - 301
    response = await deliver(client, member_event(world, "active", created=stale), secret, stale)

    assert response.status_code == 400
    assert await member_status(callers, world) == "none"


async def test_an_event_without_a_signature_header_is_refused(
    client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    payload = json.dumps(member_event(world, "active")).encode()
    response = await client.post(
        WEBHOOK, content=payload, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert await member_status(callers, world) == "none"


async def test_a_valid_signature_over_a_modified_body_is_refused(
    client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    signed = json.dumps(member_event(world, "past_due")).encode()
    sent = signed.replace(b'"past_due"', b'"active"')
    headers = {"Stripe-Signature": signature(signed, secret), "Content-Type": "application/json"}
    response = await client.post(WEBHOOK, content=sent, headers=headers)

    assert response.status_code == 400
    assert await member_status(callers, world) == "none"


async def test_the_same_event_id_twice_is_applied_once(
    app: FastAPI, client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    now = int(time.time())
    activation = member_event(world, "active", created=now - 10)
    await deliver(client, activation, secret)
    await deliver(client, member_event(world, "canceled", created=now - 5), secret)
    replay = await deliver(client, activation, secret)

    assert replay.status_code == 200
    assert replay.json()["outcome"] == "duplicate"
    assert await member_status(callers, world) == "canceled"


async def test_a_late_activation_under_a_new_id_does_not_undo_a_later_cancellation(
    client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    now = int(time.time())
    await deliver(client, member_event(world, "canceled", created=now), secret)
    late = await deliver(client, member_event(world, "active", created=now - 60), secret)

    assert late.json()["outcome"] == "stale"
    assert await member_status(callers, world) == "canceled"


async def test_an_event_naming_a_stranger_is_refused_audited_and_creates_no_membership(
    app: FastAPI, client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    stranger = str(world.people["other_org_member"].user_id)
    event = subscription_event(
        "active", org_id=world.refs["org_id"], user_id=stranger, created=int(time.time())
    )
    response = await deliver(client, event, secret)
    members = await callers("owner").get(f"{org_path(world)}/members/{stranger}")

    assert response.json()["outcome"] == "refused"
    assert members.status_code == 404
    assert await audit_count(app, "billing.event_refused") == 1


async def test_an_event_naming_another_org_than_the_recorded_one_is_refused(
    app: FastAPI, client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    now = int(time.time())
    await deliver(client, member_event(world, "canceled", created=now - 10), secret)
    moved = member_event(world, "active", created=now)
    moved["data"]["object"]["metadata"]["org_id"] = world.refs["other_org_id"]  # type: ignore[index]
    response = await deliver(client, moved, secret)

    assert response.json()["outcome"] == "refused"
    assert await member_status(callers, world) == "canceled"
    assert await audit_count(app, "billing.event_refused") == 1


async def test_an_unknown_event_type_is_acknowledged_and_changes_nothing(
    client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    event = member_event(world, "active", event_type="invoice.paid")
    response = await deliver(client, event, secret)

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert await member_status(callers, world) == "none"


async def test_the_webhook_answers_503_while_no_signing_secret_is_set(
    client: AsyncClient, callers: Callers, world: World
) -> None:
    response = await deliver(client, member_event(world, "active"), webhook_secret())

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "webhook_not_configured"
    assert await member_status(callers, world) == "none"


async def test_one_event_delivered_by_ten_requests_at_once_is_applied_once(
    app: FastAPI, client: AsyncClient, callers: Callers, world: World, secret: str
) -> None:
    event = member_event(world, "active")
    responses = await asyncio.gather(*(deliver(client, event, secret) for _ in range(10)))

    outcomes = sorted(response.json()["outcome"] for response in responses)
    assert outcomes == ["applied"] + ["duplicate"] * 9
    assert await audit_count(app, "billing.status_changed") == 1
    assert await member_status(callers, world) == "active"


@pytest.mark.checklist("C11")
@pytest.mark.parametrize(
    ("status", "opens"),
    [("active", True), ("trialing", True), ("past_due", False), ("canceled", False)],
)
async def test_paid_content_opens_only_while_the_subscription_is_active_or_trialing(
    client: AsyncClient, callers: Callers, world: World, secret: str, status: str, opens: bool
) -> None:
    await deliver(client, member_event(world, status), secret)
    posts = await callers("member").get(
        f"{org_path(world)}/spaces/{world.refs['paid_space_id']}/posts"
    )

    assert posts.status_code == (200 if opens else 403)
