"""`Idempotency-Key` on creates (issue 19): a retry answers the first result, once.

A client that lost the answer to a create sends it again with the same key: it gets
the first answer back (marked `Idempotent-Replayed: true`) and nothing is written a
second time. The same key with another body is refused with 422; keys are per member.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.messages.models import Message
from app.posts.models import Comment, Post
from app.spaces.models import Space
from tests.support.world import World
from tests.support.world_content import Callers, callers, org_path, world

__all__ = ["callers", "world"]

POST = {"title": "Once", "body": "Only once.", "status": "published"}


def _creates(world: World) -> dict[str, tuple[str, str, dict[str, Any], type[Any]]]:
    """name: (caller, path, body, the model each create adds a row of)."""
    org = org_path(world)
    return {
        "post": ("member", f"{org}/spaces/{world.refs['open_space_id']}/posts", POST, Post),
        "comment": (
            "member", f"{org}/posts/{world.refs['post_id']}/comments", {"body": "Hi."}, Comment,
        ),
        "message": (
            "member",
            f"{org}/conversations/{world.refs['conversation_id']}/messages",
            {"body": "Hello."},
            Message,
        ),
        "space": ("admin", f"{org}/spaces", {"name": "Retried space"}, Space),
    }  # fmt: skip


async def _count(app: FastAPI, model: type[Any]) -> int:
    async with app.state.database.sessionmaker() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("create", ["post", "comment", "message", "space"])
async def test_the_same_key_and_body_answer_the_first_result_without_a_second_write(
    app: FastAPI, callers: Callers, world: World, create: str
) -> None:
    caller, path, body, model = _creates(world)[create]
    headers = {"Idempotency-Key": f"retry-{create}"}
    before = await _count(app, model)

    first = await callers(caller).post(path, json=body, headers=headers)
    again = await callers(caller).post(path, json=body, headers=headers)

    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _count(app, model) == before + 1


async def test_the_same_json_spaced_and_ordered_differently_is_the_same_request(
    app: FastAPI, callers: Callers, world: World
) -> None:
    _, path, _, _ = _creates(world)["post"]
    headers = {"Idempotency-Key": "reordered", "Content-Type": "application/json"}
    first = await callers("member").post(path, json=POST, headers=headers)
    reordered = '{"status": "published", "body": "Only once.",  "title": "Once"}'
    again = await callers("member").post(path, content=reordered, headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]


async def test_the_same_key_with_another_body_is_refused_and_writes_nothing(
    app: FastAPI, callers: Callers, world: World
) -> None:
    _, path, _, _ = _creates(world)["post"]
    headers = {"Idempotency-Key": "one-key"}
    await callers("member").post(path, json=POST, headers=headers)
    before = await _count(app, Post)

    other = await callers("member").post(path, json={**POST, "title": "Other"}, headers=headers)

    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert await _count(app, Post) == before


async def test_keys_are_per_member(app: FastAPI, callers: Callers, world: World) -> None:
    _, path, _, _ = _creates(world)["post"]
    headers = {"Idempotency-Key": "shared-by-chance"}
    mine = await callers("member").post(path, json=POST, headers=headers)
    theirs = await callers("target").post(path, json=POST, headers=headers)
    assert mine.status_code == theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["author_id"] == world.refs["target_user_id"]
    assert "idempotent-replayed" not in theirs.headers


async def test_a_refused_create_leaves_its_key_free_for_the_corrected_request(
    app: FastAPI, callers: Callers, world: World
) -> None:
    _, path, _, _ = _creates(world)["post"]
    headers = {"Idempotency-Key": "fix-and-retry"}
    refused = await callers("member").post(path, json={**POST, "title": ""}, headers=headers)
    corrected = await callers("member").post(path, json=POST, headers=headers)
    assert refused.status_code == 422
    assert corrected.status_code == 201
    assert "idempotent-replayed" not in corrected.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "nön-ascii"])
async def test_a_malformed_key_is_a_validation_error(
    app: FastAPI, callers: Callers, world: World, key: str
) -> None:
    _, path, _, _ = _creates(world)["post"]
    before = await _count(app, Post)
    response = await callers("member").post(
        path, json=POST, headers={b"Idempotency-Key": key.encode()}
    )
    assert response.status_code == 422
    assert await _count(app, Post) == before


async def test_an_anonymous_create_with_a_key_is_still_not_authenticated(
    client: Any, world: World
) -> None:
    _, path, _, _ = _creates(world)["post"]
    response = await client.post(path, json=POST, headers={"Idempotency-Key": "anon"})
    assert response.status_code == 401
