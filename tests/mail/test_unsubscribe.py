"""C19: notification mail carries RFC 8058 one-click unsubscribe, and it is honoured."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from app.core.settings import Settings
from app.mail.models import MailUnsubscribe, OutboxMessage
from app.mail.service import Unsubscribe, enqueue_mail
from app.main import create_app
from tests.support.smtp_sink import ReceivedMail, SmtpSink

pytestmark = pytest.mark.checklist("C19")

REPLY = {
    "post_title": "Spring plans",
    "commenter_name": "Bo",
    "comment_excerpt": "Count me in",
    "link": "http://testserver/orgs/o/posts/p",
}
ONE_CLICK_BODY = {"List-Unsubscribe": "One-Click"}


async def queue(
    app: FastAPI,
    to: str,
    user_id: uuid.UUID,
    category: str = "replies",
    template: str = "reply_notification",
) -> OutboxMessage | None:
    async with app.state.database.sessionmaker() as db:
        message = await enqueue_mail(
            db,
            template=template,
            to=to,
            context=REPLY,
            unsubscribe=Unsubscribe(user_id=user_id, category=category),
        )
        await db.commit()
    return message


async def queue_reset(app: FastAPI, to: str) -> None:
    async with app.state.database.sessionmaker() as db:
        context = {"link": "http://testserver/reset-password#token=r", "minutes": 60}
        await enqueue_mail(db, template="password_reset", to=to, context=context)
        await db.commit()


def one_click_url(mail: ReceivedMail) -> str:
    header = str(mail.message["List-Unsubscribe"])
    match = re.fullmatch(r"<(?P<url>[^>]+)>", header)
    assert match is not None, header
    return match.group("url")


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def unsubscribed_count(app: FastAPI, user_id: uuid.UUID) -> int:
    async with app.state.database.sessionmaker() as db:
        query = select(func.count()).where(MailUnsubscribe.user_id == user_id)
        return int(await db.scalar(query) or 0)


async def test_notification_mail_carries_one_click_unsubscribe_headers(
    app: FastAPI, smtp_sink: SmtpSink
) -> None:
    await queue(app, "note@example.org", uuid.uuid4())

    mail = await smtp_sink.wait_for_mail_to("note@example.org")

    url = one_click_url(mail)
    assert url.startswith("http://testserver/api/v1/unsubscribe/one-click?token=")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "http://testserver/unsubscribe#token=" in mail.text()


async def test_transactional_mail_carries_no_unsubscribe_header(
    app: FastAPI, smtp_sink: SmtpSink
) -> None:
    await queue_reset(app, "reset@example.org")

    mail = await smtp_sink.wait_for_mail_to("reset@example.org")

    assert mail.message["List-Unsubscribe"] is None
    assert mail.message["List-Unsubscribe-Post"] is None
    assert "unsubscribe" not in mail.text().lower()


async def test_the_one_click_post_unsubscribes_and_a_second_one_changes_nothing(
    app: FastAPI, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    user_id = uuid.uuid4()
    await queue(app, "click@example.org", user_id)
    url = relative(one_click_url(await smtp_sink.wait_for_mail_to("click@example.org")))

    first = await client.post(url, data=ONE_CLICK_BODY)
    second = await client.post(url, data=ONE_CLICK_BODY)

    assert first.status_code == second.status_code == 200
    assert first.json() == {"unsubscribed": True, "category": "replies"}
    assert await unsubscribed_count(app, user_id) == 1


async def test_the_one_click_post_works_as_multipart_form_data_too(
    app: FastAPI, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    user_id = uuid.uuid4()
    await queue(app, "multipart@example.org", user_id)
    url = relative(one_click_url(await smtp_sink.wait_for_mail_to("multipart@example.org")))

    response = await client.post(url, files={"List-Unsubscribe": (None, "One-Click")})

    assert response.status_code == 200
    assert await unsubscribed_count(app, user_id) == 1


async def test_the_unsubscribe_page_posts_the_token_from_its_link_as_json(
    app: FastAPI, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    user_id = uuid.uuid4()
    await queue(app, "page@example.org", user_id)
    mail = await smtp_sink.wait_for_mail_to("page@example.org")
    match = re.search(r"/unsubscribe#token=(?P<token>[A-Za-z0-9._-]+)", mail.text())
    assert match is not None

    response = await client.post("/api/v1/unsubscribe", json={"token": match.group("token")})

    assert response.status_code == 200
    assert await unsubscribed_count(app, user_id) == 1


async def test_an_unsubscribed_user_gets_no_more_notifications_but_still_gets_transactional_mail(
    app: FastAPI, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    user_id = uuid.uuid4()
    await queue(app, "quiet@example.org", user_id)
    url = relative(one_click_url(await smtp_sink.wait_for_mail_to("quiet@example.org")))
    assert (await client.post(url, data=ONE_CLICK_BODY)).status_code == 200
    smtp_sink.clear()

    skipped = await queue(app, "quiet@example.org", user_id)
    await queue_reset(app, "quiet@example.org")

    assert skipped is None
    mail = await smtp_sink.wait_for_mail_to("quiet@example.org")
    assert mail.message["List-Unsubscribe"] is None
    assert len(smtp_sink.to("quiet@example.org")) == 1
    async with app.state.database.sessionmaker() as db:
        templates = (await db.scalars(select(OutboxMessage.template))).all()
    assert "password_reset" in templates
    assert templates.count("reply_notification") == 1  # only the one sent before


async def test_unsubscribing_from_one_category_keeps_the_others(
    app: FastAPI, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    user_id = uuid.uuid4()
    await queue(app, "picky@example.org", user_id, category="replies")
    url = relative(one_click_url(await smtp_sink.wait_for_mail_to("picky@example.org")))
    assert (await client.post(url, data=ONE_CLICK_BODY)).status_code == 200

    assert await queue(app, "picky@example.org", user_id, category="replies") is None
    assert await queue(app, "picky@example.org", user_id, category="mentions") is not None


async def test_opening_the_one_click_url_changes_nothing_and_leads_to_the_page(
    app: FastAPI, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    user_id = uuid.uuid4()
    await queue(app, "prefetch@example.org", user_id)
    url = one_click_url(await smtp_sink.wait_for_mail_to("prefetch@example.org"))

    response = await client.get(relative(url))

    assert response.status_code == 303
    token = url.partition("token=")[2]
    assert response.headers["location"] == f"http://testserver/unsubscribe#token={token}"
    assert await unsubscribed_count(app, user_id) == 0


async def test_an_altered_token_is_refused(
    app: FastAPI, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await queue(app, "forge@example.org", uuid.uuid4())
    token = one_click_url(await smtp_sink.wait_for_mail_to("forge@example.org")).partition(
        "token="
    )[2]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    one_click = await client.post(
        f"/api/v1/unsubscribe/one-click?token={altered}", data=ONE_CLICK_BODY
    )
    page = await client.post("/api/v1/unsubscribe", json={"token": altered})

    assert one_click.status_code == page.status_code == 400
    assert one_click.json()["error"]["code"] == "invalid_token"


async def test_a_token_signed_for_another_purpose_is_refused(
    client: AsyncClient, settings: Settings
) -> None:
    other_purpose = URLSafeSerializer(settings.signing_key()).dumps([uuid.uuid4().hex, "replies"])

    response = await client.post("/api/v1/unsubscribe", json={"token": other_purpose})

    assert response.status_code == 400


async def test_the_unsubscribe_body_refuses_unknown_fields(client: AsyncClient) -> None:
    response = await client.post("/api/v1/unsubscribe", json={"token": "t", "user_id": "u"})

    assert response.status_code == 422


@pytest.fixture
async def limited_client(settings: Settings) -> AsyncIterator[AsyncClient]:
    """A client of an app whose token-exchange limit is 2 an hour."""
    strict = settings.model_copy(
        update={"rate_limits_enabled": True, "rate_limits": {"token_exchange_ip": "2/hour"}}
    )
    application = create_app(strict)
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.mark.checklist("C14")
async def test_the_unsubscribe_page_route_is_rate_limited_by_client_address(
    limited_client: AsyncClient,
) -> None:
    statuses = [
        (await limited_client.post("/api/v1/unsubscribe", json={"token": "x"})).status_code
        for _ in range(3)
    ]

    assert statuses == [400, 400, 429]


async def test_one_click_posts_are_not_limited_by_address_since_providers_share_a_few(
    limited_client: AsyncClient,
) -> None:
    statuses = [
        (await limited_client.post("/api/v1/unsubscribe/one-click?token=x")).status_code
        for _ in range(3)
    ]

    assert statuses == [400, 400, 400]
