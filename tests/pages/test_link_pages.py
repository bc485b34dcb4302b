"""The pages every mailed link opens: opening one (GET or HEAD) spends nothing; the
member's button press (a form POST carrying the token) does. C01-C03 as a member meets them."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app.core.settings import Settings
from tests.pages.forms import submit
from tests.support.accounts import DEFAULT_PASSWORD, mailed_token, sign_up, verified_member
from tests.support.smtp_sink import SmtpSink

EMAIL = "ada.pages@example.org"
LINK_PAGES = ["/verify-email", "/magic-link", "/reset-password", "/invite", "/confirm-email",
              "/unsubscribe"]  # fmt: skip


@pytest.mark.parametrize("page", LINK_PAGES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_a_mailed_link_page_is_served_and_sets_no_session(
    client: AsyncClient, page: str, method: str, settings: Settings
) -> None:
    response = await client.request(method, page)
    assert response.status_code == 200
    assert settings.session_cookie_name not in response.cookies


@pytest.mark.checklist("C01")
async def test_opening_the_verify_link_consumes_nothing_and_the_button_verifies(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await sign_up(client, EMAIL)
    token = await mailed_token(smtp_sink, EMAIL, "verify-email")
    for method in ("GET", "HEAD"):
        await client.request(method, "/verify-email")

    confirmed = await submit(client, "/verify-email", "/verify-email", {"token": token})

    assert confirmed.status_code == 200
    assert "Email confirmed" in confirmed.text
    logged_in = await submit(
        client, "/login", "/login", {"email": EMAIL, "password": DEFAULT_PASSWORD}
    )
    assert logged_in.status_code == 303
    assert logged_in.headers["location"] == "/dashboard"


@pytest.mark.checklist("C02")
async def test_the_magic_link_page_logs_in_only_when_its_button_is_pressed(
    new_client: object, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await verified_member(new_client(), smtp_sink, EMAIL)  # type: ignore[operator]
    sent = await submit(client, "/login", "/login/email-link", {"email": EMAIL})
    assert sent.status_code == 200
    token = await mailed_token(smtp_sink, EMAIL, "magic-link")
    assert (await client.get("/dashboard")).status_code == 303  # opening it did nothing
    await client.head("/magic-link")

    used = await submit(client, "/magic-link", "/magic-link", {"token": token})

    assert used.status_code == 303
    assert used.headers["location"] == "/dashboard"
    assert (await client.get("/dashboard")).status_code == 200
    again = await submit(client, "/magic-link", "/magic-link", {"token": token})
    assert again.status_code == 400


@pytest.mark.checklist("C03")
async def test_the_reset_page_sets_a_new_password_and_the_old_one_stops_working(
    new_client: object, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await verified_member(new_client(), smtp_sink, EMAIL)  # type: ignore[operator]
    await submit(client, "/reset-password", "/reset-password/request", {"email": EMAIL})
    token = await mailed_token(smtp_sink, EMAIL, "reset-password")
    await client.get("/reset-password")
    new_password = "a different long passphrase"

    done = await submit(
        client, "/reset-password", "/reset-password", {"token": token, "new_password": new_password}
    )

    assert done.status_code == 200
    assert "Password changed" in done.text
    old = await submit(client, "/login", "/login", {"email": EMAIL, "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    new = await submit(client, "/login", "/login", {"email": EMAIL, "password": new_password})
    assert new.status_code == 303


async def test_an_invalid_link_says_so_in_words_and_keeps_the_form(client: AsyncClient) -> None:
    answer = await submit(client, "/verify-email", "/verify-email", {"token": "not-a-token"})

    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert "Confirm my email" in answer.text
