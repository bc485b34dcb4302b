"""Issue 10: mail to an address nobody has proved is theirs carries no signer-chosen text.

Otherwise signup (or an email change naming a third party) lets anyone send "Hi Win a
prize at evil.test" from the service's own, DKIM-signed domain to any address.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from httpx import AsyncClient

from tests.support.accounts import log_in, sign_up, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C14")

SPAM = "Win a prize at evil.test"


async def test_the_verification_mail_does_not_carry_the_chosen_display_name(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    assert (await sign_up(client, "target@example.org", name=SPAM)).status_code == 202
    mail = await smtp_sink.wait_for_mail_to("target@example.org")
    assert "verify-email" in mail.text()
    assert SPAM not in mail.text()
    assert SPAM not in mail.message.as_string()


async def test_the_email_change_confirmation_does_not_carry_the_display_name(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    member = await verified_member(new_client(), smtp_sink, "changer@example.org")
    client = new_client()
    assert (await log_in(client, member.email, member.password)).status_code == 200
    renamed = await client.patch("/api/v1/me", json={"display_name": SPAM})
    assert renamed.status_code == 200, renamed.text
    smtp_sink.clear()
    response = await client.post(
        "/api/v1/me/email-change",
        json={"new_email": "third.party@example.net", "current_password": member.password},
    )
    assert response.status_code == 202
    mail = await smtp_sink.wait_for_mail_to("third.party@example.net")
    assert "confirm-email" in mail.text()
    assert SPAM not in mail.message.as_string()
