"""The hot reads send the fewest statements (issue 17): GET /me answers from the one
statement that resolves the session and its user; a space's post list sends two, the
caller with their membership of the org, then the page with its access check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event

from tests.support.accounts import verified_member
from tests.support.orgs import create_org
from tests.support.smtp_sink import SmtpSink


@pytest.fixture
def statements(app: FastAPI) -> Iterator[list[str]]:
    """Each SQL statement the app's engine sends from now on."""
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = app.state.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    yield sent
    event.remove(engine, "before_cursor_execute", count)


async def test_reading_my_account_sends_one_statement(
    client: AsyncClient, smtp_sink: SmtpSink, statements: list[str]
) -> None:
    await verified_member(client, smtp_sink, "one-statement@example.org")
    statements.clear()
    assert (await client.get("/api/v1/me")).status_code == 200
    assert len(statements) == 1, statements


async def test_my_account_shows_the_bio_just_saved(
    client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await verified_member(client, smtp_sink, "fresh-bio@example.org")
    saved = await client.patch("/api/v1/me", json={"bio": "Knits on trains."})
    assert saved.status_code == 200, saved.text
    assert (await client.get("/api/v1/me")).json()["bio"] == "Knits on trains."


async def test_a_space_post_list_sends_two_statements(
    client: AsyncClient, smtp_sink: SmtpSink, statements: list[str]
) -> None:
    await verified_member(client, smtp_sink, "two-statements@example.org")
    org_id = await create_org(client)
    space = await client.post(
        f"/api/v1/orgs/{org_id}/spaces", json={"name": "Porch", "visibility": "open"}
    )
    await client.post(
        f"/api/v1/orgs/{org_id}/spaces/{space.json()['id']}/posts",
        json={"title": "Hello", "body": "First one.", "status": "published"},
    )
    statements.clear()
    listed = await client.get(f"/api/v1/orgs/{org_id}/spaces/{space.json()['id']}/posts")
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1, listed.text
    assert len(statements) == 2, statements


async def test_a_posts_comment_page_sends_two_statements(
    client: AsyncClient, smtp_sink: SmtpSink, statements: list[str]
) -> None:
    await verified_member(client, smtp_sink, "comment-statements@example.org")
    org_id = await create_org(client)
    space = await client.post(
        f"/api/v1/orgs/{org_id}/spaces", json={"name": "Stoop", "visibility": "open"}
    )
    post = await client.post(
        f"/api/v1/orgs/{org_id}/spaces/{space.json()['id']}/posts",
        json={"title": "Hello", "body": "First one.", "status": "published"},
    )
    comments = f"/api/v1/orgs/{org_id}/posts/{post.json()['id']}/comments"
    assert (await client.post(comments, json={"body": "Welcome!"})).status_code == 201
    statements.clear()
    listed = await client.get(comments)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1, listed.text
    assert len(statements) == 2, statements
