"""A comment mails the post's author through the outbox, with one-click unsubscribe (C19),
and nothing a commenter or author writes can inject markup or headers into it (C15)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.mail.models import OutboxMessage
from tests.support.smtp_sink import ReceivedMail, SmtpSink
from tests.support.world import World
from tests.support.world_content import Callers, org_path

AUTHOR = "member@example.org"


async def reply_mails_to(app: FastAPI, address: str) -> int:
    async with app.state.database.sessionmaker() as db:
        query = select(func.count()).where(
            OutboxMessage.template == "reply_notification", OutboxMessage.to_address == address
        )
        return int((await db.execute(query)).scalar_one())


async def comment(
    callers: Callers, world: World, name: str, body: str, post: str = "post_id"
) -> None:
    path = f"{org_path(world)}/posts/{world.refs[post]}/comments"
    response = await callers(name).post(path, json={"body": body})
    assert response.status_code == 201, response.text


def html_of(mail: ReceivedMail) -> str:
    part = mail.message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


@pytest.mark.checklist("C19")
async def test_the_author_is_mailed_when_someone_else_comments(
    callers: Callers, world: World, smtp_sink: SmtpSink
) -> None:
    await comment(callers, world, "target", "Count me in for Saturday.")

    mail = await smtp_sink.wait_for_mail_to(AUTHOR)
    assert mail.subject == "Target replied to “member's published post”"
    assert "Count me in for Saturday." in mail.text()
    link = f"http://testserver/orgs/{world.refs['org_id']}/posts/{world.refs['post_id']}"
    assert link in mail.text()
    assert str(mail.message["List-Unsubscribe"]).startswith(
        "<http://testserver/api/v1/unsubscribe/one-click?token="
    )
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.checklist("C19")
async def test_a_comment_on_ones_own_post_mails_nobody(
    app: FastAPI, callers: Callers, world: World, smtp_sink: SmtpSink
) -> None:
    await comment(callers, world, "member", "Adding a detail.")

    assert await reply_mails_to(app, AUTHOR) == 0


@pytest.mark.checklist("C19")
async def test_an_author_who_unsubscribed_gets_no_more_reply_mail(
    app: FastAPI, callers: Callers, world: World, smtp_sink: SmtpSink
) -> None:
    await comment(callers, world, "target", "First reply.")
    mail = await smtp_sink.wait_for_mail_to(AUTHOR)
    match = re.fullmatch(
        r"<http://testserver(?P<path>[^>]+)>", str(mail.message["List-Unsubscribe"])
    )
    assert match is not None
    unsubscribed = await callers("anonymous").post(
        match.group("path"), data={"List-Unsubscribe": "One-Click"}
    )
    assert unsubscribed.status_code == 200

    await comment(callers, world, "target", "Second reply.")

    assert await reply_mails_to(app, AUTHOR) == 1


@pytest.mark.checklist("C11")
async def test_an_author_no_longer_in_a_private_space_is_not_mailed_its_replies(
    app: FastAPI, callers: Callers, world: World, smtp_sink: SmtpSink
) -> None:
    space = f"{org_path(world)}/spaces/{world.refs['private_space_id']}"
    await callers("admin").delete(f"{space}/members/{world.refs['member_user_id']}")

    await comment(callers, world, "target", "Inside talk.", post="private_post_id")

    assert await reply_mails_to(app, AUTHOR) == 0


@pytest.mark.checklist("C15")
async def test_markup_in_a_comment_is_escaped_in_the_mail_html(
    callers: Callers, world: World, smtp_sink: SmtpSink
) -> None:
    await comment(
        callers, world, "target",
        '<script>alert(1)</script><a href="https://evil.example/">win</a>',
    )  # fmt: skip

    html = html_of(await smtp_sink.wait_for_mail_to(AUTHOR))
    assert "<script>" not in html
    assert 'href="https://evil.example/"' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.checklist("C15")
async def test_a_line_separator_in_a_title_cannot_add_a_mail_header(
    callers: Callers, world: World, smtp_sink: SmtpSink
) -> None:
    title = "Plans\u2028Bcc: victim@example.org\x85X-Injected: yes"
    created = await callers("member").post(
        f"{org_path(world)}/spaces/{world.refs['open_space_id']}/posts",
        json={"title": title, "body": "Body.", "status": "published"},
    )
    assert created.json()["title"] == title
    world.refs["new_post_id"] = created.json()["id"]

    await comment(callers, world, "target", "Nice.", post="new_post_id")

    mail = await smtp_sink.wait_for_mail_to(AUTHOR)
    assert mail.message["Bcc"] is None
    assert mail.message["X-Injected"] is None
    assert mail.envelope_to == [AUTHOR]
    assert mail.subject == "Target replied to “Plans Bcc: victim@example.org X-Injected: yes”"
