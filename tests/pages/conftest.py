"""Fixtures of the page tests: the local Stripe stand-in, the app pointed at it, and the
seeded world (tests/support/world.py) with a logged-in client per person."""

from __future__ import annotations

import secrets

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from tests.support.stripe_standin import StripeStandin, stripe_standin
from tests.support.world_content import callers, world

__all__ = ["callers", "stripe_configured", "stripe_standin", "world"]


@pytest.fixture
def stripe_configured(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, stripe_standin: StripeStandin
) -> None:
    monkeypatch.setattr(
        app.state.settings, "stripe_secret_key", SecretStr("sk_test_" + secrets.token_hex(16))
    )
    monkeypatch.setattr(app.state.settings, "stripe_api_base", stripe_standin.base_url)
