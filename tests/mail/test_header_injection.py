"""C15: user text in a mail can neither add a header nor inject markup; links stay ours."""

from __future__ import annotations

import pytest

from app.mail.rendering import UntrustedLink
from app.mail.service import InvalidRecipient
from tests.mail.conftest import Outbox
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C15", "C19")

INVITE = {
    "org_name": "Night Owls\nX-Injected: yes",
    "inviter_name": "Eve\r\nBcc: victim@evil.test",
    "role": "member",
    "link": "http://testserver/invite#token=abc",
    "days": 7,
}


async def test_a_line_break_in_a_display_name_or_org_name_cannot_add_a_header(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    await outbox.enqueue("guest@example.org", template="invite", context=INVITE)

    await outbox.delivery().deliver_due()

    mail = await smtp_sink.wait_for_mail_to("guest@example.org")
    assert mail.envelope_to == ["guest@example.org"]
    assert mail.message["Bcc"] is None
    assert mail.message["X-Injected"] is None
    assert mail.subject == "Eve Bcc: victim@evil.test invited you to Night Owls X-Injected: yes"
    assert smtp_sink.to("victim@evil.test") == []


async def test_a_line_break_in_a_post_title_cannot_add_a_header(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    context = {
        "post_title": "Hello\r\n\r\nfake body\u2028Reply-To: evil@evil.test",
        "commenter_name": "Mallory\rCc: x@evil.test",
        "comment_excerpt": "hi",
        "link": "http://testserver/orgs/o/posts/p",
    }
    await outbox.enqueue("author@example.org", template="reply_notification", context=context)

    await outbox.delivery().deliver_due()

    mail = await smtp_sink.wait_for_mail_to("author@example.org")
    assert mail.message["Reply-To"] is None
    assert mail.message["Cc"] is None
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.subject.startswith("Mallory Cc: x@evil.test replied to “Hello fake body")


@pytest.mark.parametrize(
    "recipient",
    [
        "a@example.org\r\nBcc: c@evil.test",
        "a@example.org\nBcc: c@evil.test",
        "a@example.org, c@evil.test",
        "Someone <a@example.org>",
        "not an address",
    ],
)
async def test_a_recipient_that_is_not_one_plain_address_is_refused(
    outbox: Outbox, recipient: str
) -> None:
    with pytest.raises(InvalidRecipient):
        await outbox.enqueue(recipient)

    assert await outbox.rows() == []


async def test_user_text_is_escaped_in_the_html_part_and_kept_as_written_in_the_text_part(
    outbox: Outbox, smtp_sink: SmtpSink
) -> None:
    context = {
        "post_title": "Tips & tricks",
        "commenter_name": '<img src=x onerror="alert(1)">',
        "comment_excerpt": "<script>steal()</script>",
        "link": "http://testserver/orgs/o/posts/p",
    }
    await outbox.enqueue("escaped@example.org", template="reply_notification", context=context)

    await outbox.delivery().deliver_due()

    message = (await smtp_sink.wait_for_mail_to("escaped@example.org")).message
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    assert html_part is not None and text_part is not None
    html, text = str(html_part.get_content()), str(text_part.get_content())
    assert "<script>" not in html and "&lt;script&gt;steal()&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<script>steal()</script>" in text


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.test/verify-email#token=abc",
        "http://testserver.evil.test/verify-email",
        "javascript:alert(1)",
        "/verify-email#token=abc",
    ],
)
async def test_a_link_that_does_not_start_with_the_public_url_is_refused(
    outbox: Outbox, link: str
) -> None:
    with pytest.raises(UntrustedLink):
        await outbox.enqueue("link@example.org", context={"display_name": "A", "link": link})
