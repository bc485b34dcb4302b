"""The sign-up page through HTTP: a refused form comes back with what was typed, and an
address is one account however its letters are cased."""

from __future__ import annotations

from httpx import AsyncClient

from tests.pages.forms import submit
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.smtp_sink import SmtpSink


def signup_fields(email: str) -> dict[str, str]:
    return {"email": email, "password": DEFAULT_PASSWORD, "display_name": "Ann Kept"}


async def test_an_address_the_schema_refuses_redraws_the_signup_page_with_the_input_kept(
    client: AsyncClient,
) -> None:
    answer = await submit(client, "/signup", "/signup", signup_fields("ann-at-nowhere"))

    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert 'value="ann-at-nowhere"' in answer.text
    assert 'value="Ann Kept"' in answer.text
    assert DEFAULT_PASSWORD not in answer.text


async def test_an_address_signed_up_again_in_other_case_is_the_taken_account(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    first = await submit(client, "/signup", "/signup", signup_fields("Ann@example.org"))
    assert first.status_code == 200, first.text
    await smtp_sink.wait_for_mail_to("ann@example.org")
    smtp_sink.clear()

    second = await submit(client, "/signup", "/signup", signup_fields("ann@example.org"))

    assert (second.status_code, "Check your inbox" in second.text) == (200, True)
    notice = await smtp_sink.wait_for_mail_to("ann@example.org")
    assert "#token=" not in notice.text()  # the owner's notice, not a second verification
