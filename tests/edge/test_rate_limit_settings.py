"""C14: the rate-limit table is one table, overridable entry by entry from the environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.ratelimit_defaults import DEFAULT_RATE_LIMITS
from app.core.settings import load_settings
from tests.edge.conftest import EdgeApps

pytestmark = pytest.mark.checklist("C14")


def test_rate_limits_from_the_environment_replace_one_entry_and_keep_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RATE_LIMITS", '{"login_ip": "3/minute"}')
    limits = load_settings(environment="test").rate_limits
    assert limits["login_ip"] == "3/minute"
    assert {name: value for name, value in limits.items() if name != "login_ip"} == {
        name: value for name, value in DEFAULT_RATE_LIMITS.items() if name != "login_ip"
    }


def test_an_unknown_name_in_rate_limits_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMITS", '{"login_iq": "3/minute"}')
    with pytest.raises(ValidationError, match="unknown limits: login_iq"):
        load_settings(environment="test")


@pytest.mark.parametrize("notation", ["three per minute", "3/minute;5/hour", ""])
def test_a_rate_limit_that_is_not_one_limit_is_refused(
    monkeypatch: pytest.MonkeyPatch, notation: str
) -> None:
    monkeypatch.setenv("RATE_LIMITS", f'{{"login_ip": "{notation}"}}')
    with pytest.raises(ValidationError, match="login_ip"):
        load_settings(environment="test")


def test_rate_limits_enabled_false_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    assert load_settings(environment="test").rate_limits_enabled is False


async def test_a_limit_set_in_the_environment_is_the_one_enforced(
    edge: EdgeApps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATE_LIMITS", '{"login_ip": "1/minute"}')
    client = await edge.client(await edge.build())
    answers = [(await client.post("/api/v1/edge-test/limited")).status_code for _ in range(2)]
    assert answers == [200, 429]
