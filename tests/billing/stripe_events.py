"""Stripe webhook deliveries made in tests: events, and signatures with a key made at test time."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from app.audit.models import AuditEvent

WEBHOOK = "/api/v1/webhooks/stripe"


def webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def signature(payload: bytes, secret: str, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def subscription_event(
    status: str,
    *,
    org_id: str,
    user_id: str,
    created: int,
    event_type: str = "customer.subscription.updated",
    event_id: str | None = None,
    customer: str = "cus_test_1",
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": created,
        "data": {
            "object": {
                "id": "sub_test_1",
                "object": "subscription",
                "customer": customer,
                "status": status,
                "items": {"data": [{"current_period_end": created + 30 * 86400}]},
                "metadata": {"org_id": org_id, "user_id": user_id},
            }
        },
    }


async def deliver(
    client: AsyncClient, event: dict[str, Any], secret: str, at: int | None = None
) -> Response:
    payload = json.dumps(event).encode()
    headers = {
        "Stripe-Signature": signature(payload, secret, at),
        "Content-Type": "application/json",
    }
    return await client.post(WEBHOOK, content=payload, headers=headers)


async def audit_count(app: FastAPI, action: str) -> int:
    async with app.state.database.sessionmaker() as db:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return int((await db.execute(query)).scalar_one())
