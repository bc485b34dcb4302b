"""C01: sign up, verify the email, log in, keep the session, log out, log in again."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.support.accounts import DEFAULT_PASSWORD, log_in, mailed_token, sign_up
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C01")

EMAIL = "ada@example.org"


async def test_the_whole_password_path_works_end_to_end(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    assert (await sign_up(client, EMAIL, name="Ada")).status_code == 202
    token = await mailed_token(smtp_sink, EMAIL, "verify-email")
    verified = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True

    assert (await log_in(client, EMAIL)).status_code == 200
    for _ in range(2):
        me = await client.get("/api/v1/me")
        assert me.status_code == 200
        assert me.json()["email"] == EMAIL
        assert me.json()["display_name"] == "Ada"

    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    assert (await client.get("/api/v1/me")).status_code == 401

    assert (await log_in(client, EMAIL)).status_code == 200
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_the_verification_link_uses_the_public_url_and_a_fragment(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await sign_up(client, EMAIL)
    mail = await smtp_sink.wait_for_mail_to(EMAIL)
    assert "http://testserver/verify-email#token=" in mail.text()


async def test_an_unverified_account_cannot_log_in_even_with_the_right_password(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await sign_up(client, EMAIL)
    response = await log_in(client, EMAIL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_verified"


async def test_a_wrong_password_is_401_invalid_credentials_even_before_verification(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await sign_up(client, EMAIL)
    response = await log_in(client, EMAIL, "not the password at all")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


async def test_a_verification_link_works_once(client: AsyncClient, smtp_sink: SmtpSink) -> None:
    await sign_up(client, EMAIL)
    token = await mailed_token(smtp_sink, EMAIL, "verify-email")
    assert (
        await client.post("/api/v1/auth/verify-email", json={"token": token})
    ).status_code == 200
    again = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"


async def test_a_tampered_verification_token_is_refused(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await sign_up(client, EMAIL)
    token = await mailed_token(smtp_sink, EMAIL, "verify-email")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = await client.post("/api/v1/auth/verify-email", json={"token": forged})
    assert response.status_code == 400


async def test_email_case_variants_are_one_account(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await sign_up(client, "Ada@Example.ORG")
    token = await mailed_token(smtp_sink, EMAIL, "verify-email")
    await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert (await log_in(client, "ADA@example.org", DEFAULT_PASSWORD)).status_code == 200
    assert (await client.get("/api/v1/me")).json()["email"] == EMAIL


async def test_a_malformed_email_is_refused_with_422(client: AsyncClient) -> None:
    response = await sign_up(client, "not-an-email")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "email"
