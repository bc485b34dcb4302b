"""C14: named limits keyed by the real client IP and by account; 429 with Retry-After."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from httpx import AsyncClient, Response

from app.authz.policies import MissingRoutePolicy, assert_every_route_declares_a_policy
from app.core.ratelimit import limit_by_ip
from tests.edge.conftest import STRANGER, EdgeApps
from tests.edge.routes import RIGHT_PASSWORD

pytestmark = pytest.mark.checklist("C14")

LIMITED = "/api/v1/edge-test/limited"
PER_ACCOUNT = "/api/v1/edge-test/per-account"
LOGIN = "/api/v1/edge-test/login"
LOAD_BALANCER = ("10.0.0.2", 51000)
OWNER = ("198.51.100.20", 41000)
RECOVERY_DEADLINE_SECONDS = 3.0


async def statuses(
    client: AsyncClient, count: int, path: str = LIMITED, **kwargs: Any
) -> list[int]:
    return [(await client.post(path, **kwargs)).status_code for _ in range(count)]


WRONG_PASSWORD = "a wrong guess"


async def login(client: AsyncClient, email: str, password: str = WRONG_PASSWORD) -> Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


async def wait_until_allowed(client: AsyncClient, path: str, **kwargs: Any) -> float:
    """Seconds until `path` answers something other than 429; fails after the deadline."""
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_DEADLINE_SECONDS:
        if (await client.post(path, **kwargs)).status_code != 429:
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} still refused after {RECOVERY_DEADLINE_SECONDS}s")


async def test_an_ip_limit_answers_429_in_the_error_format_once_reached(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(rate_limits={"login_ip": "3/minute"}))
    assert await statuses(client, 3) == [200, 200, 200]
    refused = await client.post(LIMITED)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["request_id"] == refused.headers["X-Request-ID"]


async def test_a_refusal_says_when_to_retry_and_what_the_limit_is(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(rate_limits={"login_ip": "2/minute"}))
    await statuses(client, 2)
    refused = await client.post(LIMITED)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(refused.headers["X-RateLimit-Reset"]) - time.time() <= 61


async def test_an_ip_limit_recovers_after_its_window(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(rate_limits={"login_ip": "2/1second"}))
    await statuses(client, 2)
    assert (await client.post(LIMITED)).status_code == 429
    assert await wait_until_allowed(client, LIMITED) <= 2.5


async def test_each_client_address_has_its_own_count(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits={"login_ip": "2/minute"})
    stranger, owner = await edge.client(app, peer=STRANGER), await edge.client(app, peer=OWNER)
    assert await statuses(stranger, 3) == [200, 200, 429]
    assert await statuses(owner, 1) == [200]


async def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_change_the_key(
    edge: EdgeApps,
) -> None:
    app = await edge.build(rate_limits={"login_ip": "2/minute"}, trusted_proxies="10.0.0.0/8")
    client = await edge.client(app, peer=STRANGER)
    answers = [
        (await client.post(LIMITED, headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
        for n in range(4)
    ]
    assert answers == [200, 200, 429, 429]


async def test_behind_a_trusted_proxy_each_real_client_has_its_own_count(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits={"login_ip": "2/minute"}, trusted_proxies="10.0.0.0/8")
    proxy = await edge.client(app, peer=LOAD_BALANCER)
    first = {"X-Forwarded-For": "198.51.100.1"}
    second = {"X-Forwarded-For": "198.51.100.2"}
    assert await statuses(proxy, 3, headers=first) == [200, 200, 429]
    assert await statuses(proxy, 2, headers=second) == [200, 200]


async def test_addresses_of_one_ipv6_64_share_a_count(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits={"login_ip": "2/minute"})
    one = await edge.client(app, peer=("2001:db8:1:2::1", 40000))
    other = await edge.client(app, peer=("2001:db8:1:2:ffff::9", 40000))
    elsewhere = await edge.client(app, peer=("2001:db8:1:3::1", 40000))
    assert await statuses(one, 2) == [200, 200]
    assert await statuses(other, 1) == [429]
    assert await statuses(elsewhere, 1) == [200]


async def test_an_account_limit_follows_the_account_across_addresses(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits={"magic_link_account": "2/minute"})
    stranger, owner = await edge.client(app, peer=STRANGER), await edge.client(app, peer=OWNER)
    assert await statuses(stranger, 1, PER_ACCOUNT, json={"email": "ann@example.org"}) == [200]
    assert await statuses(owner, 1, PER_ACCOUNT, json={"email": "Ann@Example.org"}) == [200]
    assert await statuses(owner, 1, PER_ACCOUNT, json={"email": "ann@example.org"}) == [429]
    assert await statuses(owner, 1, PER_ACCOUNT, json={"email": "bob@example.org"}) == [200]


async def test_wrong_passwords_throttle_the_account_from_that_address(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits={"login_failures_account_ip": "3/minute"})
    stranger = await edge.client(app, peer=STRANGER)
    answers = [(await login(stranger, "ann@example.org")).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    right = await login(stranger, "ann@example.org", RIGHT_PASSWORD)
    assert right.status_code == 429  # a guesser cannot confirm a guess while throttled
    assert int(right.headers["Retry-After"]) >= 1


async def test_a_stranger_s_wrong_passwords_do_not_lock_out_the_owner(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits={"login_failures_account_ip": "3/minute"})
    stranger, owner = await edge.client(app, peer=STRANGER), await edge.client(app, peer=OWNER)
    for _ in range(5):
        await login(stranger, "ann@example.org")
    assert (await login(owner, "ann@example.org", RIGHT_PASSWORD)).status_code == 200


async def test_wrong_passwords_from_many_addresses_throttle_the_account(edge: EdgeApps) -> None:
    limits = {"login_failures_account_ip": "2/minute", "login_failures_account": "4/minute"}
    app = await edge.build(rate_limits=limits)
    for n in range(2):
        guesser = await edge.client(app, peer=(f"203.0.113.{n + 50}", 40000))
        assert [(await login(guesser, "ann@example.org")).status_code for _ in range(2)] == [
            401
        ] * 2
    owner = await edge.client(app, peer=OWNER)
    assert (await login(owner, "ann@example.org", RIGHT_PASSWORD)).status_code == 429


async def test_only_failures_count_against_the_account(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits={"login_failures_account_ip": "2/minute"})
    owner = await edge.client(app, peer=OWNER)
    for _ in range(4):
        assert (await login(owner, "ann@example.org", RIGHT_PASSWORD)).status_code == 200


async def test_a_right_password_clears_the_count_of_that_address(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits={"login_failures_account_ip": "3/minute"})
    owner = await edge.client(app, peer=OWNER)
    for _ in range(2):
        await login(owner, "ann@example.org")
    assert (await login(owner, "ann@example.org", RIGHT_PASSWORD)).status_code == 200
    assert [(await login(owner, "ann@example.org")).status_code for _ in range(3)] == [401] * 3


async def test_the_failure_throttle_recovers_after_its_window(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits={"login_failures_account_ip": "2/1second"})
    owner = await edge.client(app, peer=OWNER)
    for _ in range(2):
        await login(owner, "ann@example.org")
    assert (await login(owner, "ann@example.org", RIGHT_PASSWORD)).status_code == 429
    attempt = {"json": {"email": "ann@example.org", "password": RIGHT_PASSWORD}}
    assert await wait_until_allowed(owner, LOGIN, **attempt) <= 2.5


async def test_rate_limits_enabled_false_turns_every_limit_off(edge: EdgeApps) -> None:
    app = await edge.build(rate_limits_enabled=False, rate_limits={"login_ip": "1/minute"})
    client = await edge.client(app)
    assert await statuses(client, 3) == [200, 200, 200]


def test_a_limit_is_not_a_route_policy() -> None:
    app = FastAPI()
    router = APIRouter()

    @router.post("/only-limited", dependencies=[Depends(limit_by_ip("login_ip"))])
    async def only_limited() -> None:
        return None

    app.include_router(router)
    with pytest.raises(MissingRoutePolicy):
        assert_every_route_declares_a_policy(app)


def test_an_unknown_limit_name_is_refused_where_it_is_declared() -> None:
    with pytest.raises(KeyError, match="login_ipp"):
        limit_by_ip("login_ipp")
