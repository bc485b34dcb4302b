"""C14: post creation, comment creation and message sending are limited per user."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import make_settings
from tests.support.smtp_sink import SmtpSink
from tests.support.world import World
from tests.support.world_content import Callers, org_path, seeded_world

pytestmark = pytest.mark.checklist("C14")

LIMITS = {"post_create_user": "2/minute", "comment_create_user": "2/minute",
          "message_send_user": "2/minute"}  # fmt: skip


@pytest.fixture
async def limited(settings: Settings, smtp_sink: SmtpSink) -> AsyncIterator[Callers]:
    strict = make_settings(settings.database_url, smtp_sink.port, rate_limits=LIMITS)
    application: FastAPI = create_app(strict)
    async with application.router.lifespan_context(application):
        made = Callers(application, await seeded_world(application, strict))
        yield made
        await made.close()


def target_of(world: World, action: str) -> tuple[str, dict[str, str]]:
    if action == "post":
        path = f"{org_path(world)}/spaces/{world.refs['open_space_id']}/posts"
        return path, {"title": "Again", "body": "And again.", "status": "published"}
    if action == "comment":
        return f"{org_path(world)}/posts/{world.refs['post_id']}/comments", {"body": "Again"}
    path = f"{org_path(world)}/conversations/{world.refs['conversation_id']}/messages"
    return path, {"body": "Again"}


@pytest.mark.parametrize("action", ["post", "comment", "message"])
async def test_the_third_in_a_minute_is_refused_with_429_and_retry_after(
    limited: Callers, action: str
) -> None:
    path, body = target_of(limited.world, action)
    member = limited("member")

    statuses = [(await member.post(path, json=body)).status_code for _ in range(3)]
    refused = await member.post(path, json=body)

    assert statuses == [201, 201, 429]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0


async def test_the_post_limit_counts_each_user_apart(limited: Callers) -> None:
    path, body = target_of(limited.world, "post")
    for _ in range(3):
        await limited("member").post(path, json=body)

    response = await limited("target").post(path, json=body)

    assert response.status_code == 201
