"""The calls this app makes to Stripe, through the official `stripe` package.

One client per call: they are rare (a member pressing "Join" or "Manage billing"), and
so nothing holds a connection or an event loop between requests. `STRIPE_API_BASE`
points the client at a local stand-in in tests. Stripe being down or refusing is a 503
or a 409 with a plain message, never a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import stripe
import structlog

from app.core.errors import Conflict, Unavailable
from app.core.settings import Settings

REQUEST_TIMEOUT_SECONDS = 10.0

_logger = structlog.get_logger("app.billing")


class PaymentsNotConfigured(Unavailable):
    code = "payments_not_configured"
    message = "Payments are not set up on this server: STRIPE_SECRET_KEY is not set."


class PaymentProviderUnavailable(Unavailable):
    code = "payment_provider_unavailable"
    message = "The payment provider could not be reached. Try again in a minute."


class PaymentProviderRefused(Conflict):
    code = "payment_provider_refused"
    message = "The payment provider refused this request; an admin should check the org's price."


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[stripe.StripeClient]:
    if settings.stripe_secret_key is None:
        raise PaymentsNotConfigured()
    http_client = stripe.HTTPXClient(timeout=REQUEST_TIMEOUT_SECONDS)
    client = stripe.StripeClient(
        settings.stripe_secret_key.get_secret_value(),
        base_addresses={"api": settings.stripe_api_base},
        http_client=http_client,
        max_network_retries=1,
    )
    try:
        yield client
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        _logger.error("stripe_key_refused", status=exc.http_status)
        refused = "Payments are misconfigured: Stripe refused STRIPE_SECRET_KEY."
        raise PaymentsNotConfigured(refused) from exc
    except stripe.InvalidRequestError as exc:
        _logger.warning("stripe_request_refused", code=exc.code, status=exc.http_status)
        raise PaymentProviderRefused() from exc
    except stripe.StripeError as exc:
        _logger.warning("stripe_unavailable", error=type(exc).__name__, status=exc.http_status)
        raise PaymentProviderUnavailable() from exc
    finally:
        await http_client.close_async()  # type: ignore[no-untyped-call]


async def create_checkout_session(settings: Settings, params: dict[str, Any]) -> CheckoutSession:
    async with _client(settings) as client:
        session = await client.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]
    if not session.id or not session.url:
        raise PaymentProviderUnavailable()
    return CheckoutSession(id=session.id, url=session.url)


async def create_portal_session(settings: Settings, customer_id: str, return_url: str) -> str:
    async with _client(settings) as client:
        portal = await client.v1.billing_portal.sessions.create_async(
            {"customer": customer_id, "return_url": return_url}
        )
    return str(portal.url)
