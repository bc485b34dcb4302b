"""C06: argon2id with stated costs, rehash on change, NIST length rules, no composition rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.passwords import MAX_LENGTH, PasswordHashing, password_problem
from app.core.settings import Settings
from tests.support.accounts import log_in, sign_up, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C06")

EMAIL = "margaret@example.org"


async def stored_hash(app: FastAPI, email: str = EMAIL) -> str:
    async with app.state.database.sessionmaker() as db:
        query = select(User.password_hash).where(User.email == email)
        return str((await db.execute(query)).scalar_one())


async def test_passwords_are_stored_as_argon2id_with_the_configured_costs(
    client: AsyncClient, smtp_sink: SmtpSink, app: FastAPI, settings: Settings
) -> None:
    await verified_member(client, smtp_sink, EMAIL)
    stored = await stored_hash(app)
    assert stored.startswith("$argon2id$v=19$")
    expected = (
        f"m={settings.argon2_memory_kib},t={settings.argon2_time_cost},"
        f"p={settings.argon2_parallelism}"
    )
    assert expected in stored


async def test_a_hash_with_old_costs_is_replaced_at_the_next_login(
    client: AsyncClient, smtp_sink: SmtpSink, app: FastAPI
) -> None:
    member = await verified_member(client, smtp_sink, EMAIL)
    old = PasswordHasher(time_cost=1, memory_cost=4096, parallelism=1).hash(member.password)
    async with app.state.database.sessionmaker() as db:
        user = (await db.execute(select(User).where(User.email == EMAIL))).scalar_one()
        user.password_hash = old
        await db.commit()
    assert (await log_in(client, EMAIL)).status_code == 200
    renewed = await stored_hash(app)
    assert renewed != old
    assert "m=4096,t=1" not in renewed
    assert (await log_in(client, EMAIL)).status_code == 200


@pytest.mark.parametrize("password", ["short7!", "1234567"])
async def test_passwords_under_eight_characters_are_refused(
    client: AsyncClient, password: str
) -> None:
    response = await sign_up(client, EMAIL, password)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "weak_password"


@pytest.mark.parametrize("password", ["password", "iloveyou", "qwertyuiop", "Football", "12345678"])
async def test_common_passwords_are_refused(client: AsyncClient, password: str) -> None:
    response = await sign_up(client, EMAIL, password)
    assert response.status_code == 422
    assert "common" in response.json()["error"]["message"]


async def test_a_password_over_the_cap_is_refused(client: AsyncClient) -> None:
    response = await sign_up(client, EMAIL, "x" * (MAX_LENGTH + 1) + "yz")
    assert response.status_code == 422


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # a passphrase with spaces
        "alllowercaseletters",  # no composition rules
        "Ünïcödé pässphrase ✓",
        "p" * 30 + "q" * 34,  # 64 characters
    ],
)
async def test_long_and_plain_passphrases_are_accepted(client: AsyncClient, password: str) -> None:
    assert (await sign_up(client, EMAIL, password)).status_code == 202


def test_the_email_itself_is_not_accepted_as_password() -> None:
    assert password_problem("margaret@example.org", email=EMAIL) is not None
    assert password_problem("margaret", email=EMAIL) is not None
    assert password_problem("margaret1980", email=EMAIL) is None


async def test_verification_runs_off_the_event_loop_on_a_capped_pool(settings: Settings) -> None:
    hashing = PasswordHashing(settings)
    try:
        stored = await hashing.hash("a long enough passphrase")
        assert await hashing.verify(stored, "a long enough passphrase")
        assert not await hashing.verify(stored, "the wrong passphrase")
        assert hashing.executor._max_workers == settings.password_hash_concurrency
    finally:
        hashing.close()


async def test_a_changed_password_follows_the_same_policy(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    browser = new_client()
    member = await verified_member(browser, smtp_sink, EMAIL)
    response = await browser.post(
        "/api/v1/auth/password-change",
        json={"current_password": member.password, "new_password": "password"},
    )
    assert response.status_code == 422


def test_the_default_costs_are_owasps_minimum_for_argon2id() -> None:
    defaults = Settings.model_fields
    assert defaults["argon2_memory_kib"].default == 19_456
    assert defaults["argon2_time_cost"].default == 2
    assert defaults["argon2_parallelism"].default == 1
