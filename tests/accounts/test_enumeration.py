"""C07: signup, login, magic-link and reset answer alike whether or not the account exists."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from httpx import AsyncClient, Response

from tests.support.accounts import DEFAULT_PASSWORD, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C07")

KNOWN = "known@example.org"
UNKNOWN = "nobody@example.org"


@pytest.fixture
async def known(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> None:
    await verified_member(new_client(), smtp_sink, KNOWN)


def shape(response: Response) -> tuple[int, Any]:
    body = response.json()
    if "error" in body:
        body["error"].pop("request_id")
    return response.status_code, body


REQUESTS: dict[str, Callable[[str], tuple[str, dict[str, str]]]] = {
    "signup": lambda email: (
        "/api/v1/auth/signup",
        {"email": email, "password": "another good passphrase", "display_name": "X"},
    ),
    "login": lambda email: ("/api/v1/auth/login", {"email": email, "password": "wrong guess!!"}),
    "magic-link": lambda email: ("/api/v1/auth/magic-link", {"email": email}),
    "password-reset": lambda email: ("/api/v1/auth/password-reset", {"email": email}),
}


@pytest.mark.parametrize("route", list(REQUESTS))
async def test_known_and_unknown_addresses_get_the_same_answer(
    known: None, client: AsyncClient, route: str
) -> None:
    path, known_body = REQUESTS[route](KNOWN)
    _, unknown_body = REQUESTS[route](UNKNOWN)
    for_known = await client.post(path, json=known_body)
    for_unknown = await client.post(path, json=unknown_body)
    assert shape(for_known) == shape(for_unknown)
    assert set(for_known.cookies) == set(for_unknown.cookies) == set()


async def test_a_signup_for_a_taken_address_mails_its_owner_a_notice(
    known: None, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    smtp_sink.clear()
    path, body = REQUESTS["signup"](KNOWN)
    assert (await client.post(path, json=body)).status_code == 202
    notice = await smtp_sink.wait_for_mail_to(KNOWN)
    assert "#token=" not in notice.text()


async def median_seconds(call: Callable[[], Awaitable[Response]], rounds: int = 7) -> float:
    durations = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


async def test_login_for_an_unknown_address_costs_a_password_verify_too(
    known: None, unlimited_client: AsyncClient
) -> None:
    client = unlimited_client

    async def login(email: str) -> Response:
        return await client.post(
            "/api/v1/auth/login", json={"email": email, "password": DEFAULT_PASSWORD + "x"}
        )

    await login(UNKNOWN)  # the dummy hash is made on first use
    for_known = await median_seconds(lambda: login(KNOWN))
    for_unknown = await median_seconds(lambda: login(UNKNOWN))
    assert 0.5 < for_unknown / for_known < 2.0


async def test_signup_for_a_taken_address_costs_a_password_hash_too(
    known: None, unlimited_client: AsyncClient
) -> None:
    client = unlimited_client

    counter = iter(range(1000))

    async def signup(email: str) -> Response:
        path, body = REQUESTS["signup"](email)
        return await client.post(path, json=body)

    def fresh() -> str:
        return f"new{next(counter)}@example.org"

    for_taken = await median_seconds(lambda: signup(KNOWN))
    for_new = await median_seconds(lambda: signup(fresh()))
    assert 0.5 < for_new / for_taken < 2.0
