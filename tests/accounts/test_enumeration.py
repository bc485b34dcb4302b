"""C07: signup, login, magic-link and reset answer alike whether or not the account exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
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
    assert set(for_known.cookies) == set(for_unknown.cookies)
    assert not {"session", "csrf_token"} & set(for_known.cookies)  # signup's own cookie only


async def test_a_signup_for_a_taken_address_mails_its_owner_a_notice(
    known: None, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    smtp_sink.clear()
    path, body = REQUESTS["signup"](KNOWN)
    assert (await client.post(path, json=body)).status_code == 202
    notice = await smtp_sink.wait_for_mail_to(KNOWN)
    assert "#token=" not in notice.text()


class ArgonCalls:
    """Stands in for the app's argon2 hasher, counting the hashes and verifies it does."""

    def __init__(self, hasher: Any) -> None:
        self.hashes = 0
        self.verifies = 0
        self._hasher = hasher
        self._hash, self._verify = hasher.hash, hasher.verify

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hasher, name)

    def hash(self, *args: Any, **kwargs: Any) -> Any:
        self.hashes += 1
        return self._hash(*args, **kwargs)

    def verify(self, *args: Any, **kwargs: Any) -> Any:
        self.verifies += 1
        return self._verify(*args, **kwargs)


@pytest.fixture
def argon_calls(unlimited_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> ArgonCalls:
    passwords = unlimited_app.state.passwords
    calls = ArgonCalls(passwords.hasher)
    monkeypatch.setattr(passwords, "hasher", calls)
    return calls


async def test_login_for_an_unknown_address_performs_a_password_verify_too(
    known: None, unlimited_client: AsyncClient, argon_calls: ArgonCalls
) -> None:
    for email in (KNOWN, UNKNOWN):
        argon_calls.verifies = 0
        response = await unlimited_client.post(
            "/api/v1/auth/login", json={"email": email, "password": DEFAULT_PASSWORD + "x"}
        )
        assert response.status_code == 401
        assert argon_calls.verifies == 1, email


async def test_signup_for_a_taken_address_performs_a_password_hash_too(
    known: None, unlimited_client: AsyncClient, argon_calls: ArgonCalls
) -> None:
    for email in (KNOWN, "new@example.org"):
        argon_calls.hashes = 0
        path, body = REQUESTS["signup"](email)
        assert (await unlimited_client.post(path, json=body)).status_code == 202
        assert argon_calls.hashes == 1, email
