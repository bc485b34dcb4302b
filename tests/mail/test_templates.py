"""C19: every mail the accounts and orgs flows send renders, in text and in HTML."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import UndefinedError

from app.mail.rendering import TEMPLATE_NAMES, UnknownTemplate, render_mail

pytestmark = pytest.mark.checklist("C19")

PUBLIC_URL = "http://testserver"
CONTEXTS: dict[str, dict[str, Any]] = {
    "verify_email": {"link": f"{PUBLIC_URL}/verify-email#token=t"},
    "account_exists": {
        "login_link": f"{PUBLIC_URL}/login",
        "reset_link": f"{PUBLIC_URL}/reset-password",
    },
    "magic_link": {"link": f"{PUBLIC_URL}/magic-link#token=t", "minutes": 10},
    "password_reset": {"link": f"{PUBLIC_URL}/reset-password#token=t", "minutes": 60},
    "password_changed": {"display_name": "Ada"},
    "email_change_confirm": {"link": f"{PUBLIC_URL}/confirm-email#token=t"},
    "email_change_notice": {"display_name": "Ada", "new_email": "ada@new.example"},
    "invite": {
        "org_name": "Night Owls",
        "inviter_name": "Bo",
        "role": "moderator",
        "link": f"{PUBLIC_URL}/invite#token=t",
        "days": 7,
    },
    "reply_notification": {
        "post_title": "Spring plans",
        "commenter_name": "Bo",
        "comment_excerpt": "Count me in",
        "link": f"{PUBLIC_URL}/orgs/o/posts/p",
    },
}


def test_every_template_has_an_example_here() -> None:
    assert set(CONTEXTS) == TEMPLATE_NAMES


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_a_template_renders_a_subject_a_text_part_and_an_html_part(name: str) -> None:
    mail = render_mail(name, CONTEXTS[name], public_url=PUBLIC_URL)

    assert mail.subject and "\n" not in mail.subject
    assert mail.html.lstrip().startswith("<!DOCTYPE html>")
    for value in CONTEXTS[name].values():
        assert str(value) in mail.text
        assert str(value) in mail.html


def test_the_invite_subject_names_the_inviter_and_the_org() -> None:
    mail = render_mail("invite", CONTEXTS["invite"], public_url=PUBLIC_URL)

    assert mail.subject == "Bo invited you to Night Owls"


def test_the_unsubscribe_link_appears_only_in_notification_mail() -> None:
    page = f"{PUBLIC_URL}/unsubscribe#token=u"

    notification = render_mail(
        "reply_notification",
        CONTEXTS["reply_notification"],
        public_url=PUBLIC_URL,
        unsubscribe_url=page,
        unsubscribe_label="replies to your posts",
    )
    transactional = render_mail("magic_link", CONTEXTS["magic_link"], public_url=PUBLIC_URL)

    assert page in notification.text and page in notification.html
    assert "nsubscribe" not in transactional.text + transactional.html


def test_a_missing_context_variable_fails_instead_of_sending_a_broken_mail() -> None:
    with pytest.raises(UndefinedError):
        render_mail(
            "magic_link", {"link": f"{PUBLIC_URL}/magic-link#token=t"}, public_url=PUBLIC_URL
        )


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(UnknownTemplate):
        render_mail("verify_emial", {}, public_url=PUBLIC_URL)


def test_a_long_subject_is_cut_to_a_bounded_length() -> None:
    context = {**CONTEXTS["reply_notification"], "post_title": "x" * 1000}

    mail = render_mail("reply_notification", context, public_url=PUBLIC_URL)

    assert len(mail.subject) <= 200 and mail.subject.endswith("…")
