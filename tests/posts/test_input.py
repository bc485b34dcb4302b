"""C13, C15: no mass assignment, length caps, user text stored and returned as written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.posts.schemas import MAX_COMMENT_LENGTH, MAX_POST_BODY_LENGTH, MAX_TITLE_LENGTH
from tests.support.world import World
from tests.support.world_content import Callers, org_path

SCRIPT = '<script>alert("x")</script> & <img src=x onerror=alert(1)> \u2028 ünïcødé 🎉\n  indented'


def posts_of(world: World) -> str:
    return f"{org_path(world)}/spaces/{world.refs['open_space_id']}/posts"


def a_post(**fields: Any) -> dict[str, Any]:
    return {"title": "A title", "body": "A body", "status": "published", **fields}


@pytest.mark.checklist("C15")
async def test_markup_in_a_post_round_trips_byte_for_byte_as_json(
    callers: Callers, world: World
) -> None:
    created = await callers("member").post(posts_of(world), json=a_post(body=SCRIPT))

    read = await callers("target").get(f"{org_path(world)}/posts/{created.json()['id']}")

    assert read.headers["content-type"] == "application/json"
    assert read.json()["body"] == SCRIPT
    assert json.dumps(SCRIPT, ensure_ascii=False).encode() in read.content


@pytest.mark.checklist("C15")
async def test_markup_in_a_comment_round_trips_as_written(callers: Callers, world: World) -> None:
    comments = f"{org_path(world)}/posts/{world.refs['post_id']}/comments"

    await callers("target").post(comments, json={"body": SCRIPT})
    listed = await callers("member").get(comments)

    assert listed.headers["content-type"] == "application/json"
    assert listed.json()["items"][-1]["body"] == SCRIPT


@pytest.mark.checklist("C13")
@pytest.mark.parametrize(
    "field",
    [
        {"author_id": "{target_user_id}"},
        {"org_id": "{other_org_id}"},
        {"space_id": "{private_space_id}"},
        {"listed_at": "2000-01-01T00:00:00Z"},
        {"id": "{post_id}"},
    ],
)
async def test_a_post_naming_its_author_org_space_or_order_is_refused(
    callers: Callers, world: World, field: dict[str, str]
) -> None:
    extra = {name: world.fill(value) for name, value in field.items()}

    response = await callers("member").post(posts_of(world), json=a_post(title="Forged", **extra))

    assert response.status_code == 422
    titles = {p["title"] for p in (await callers("member").get(posts_of(world))).json()["items"]}
    assert "Forged" not in titles


@pytest.mark.checklist("C13")
async def test_an_edit_cannot_move_a_post_or_change_its_author(
    callers: Callers, world: World
) -> None:
    post = f"{org_path(world)}/posts/{world.refs['post_id']}"

    moved = await callers("member").patch(post, json={"space_id": world.refs["paid_space_id"]})
    reassigned = await callers("member").patch(
        post, json={"author_id": world.refs["target_user_id"]}
    )

    assert moved.status_code == reassigned.status_code == 422
    after = (await callers("member").get(post)).json()
    assert after["space_id"] == world.refs["open_space_id"]
    assert after["author_id"] == world.refs["member_user_id"]


@pytest.mark.checklist("C13")
async def test_a_comment_naming_its_author_is_refused(callers: Callers, world: World) -> None:
    response = await callers("member").post(
        f"{org_path(world)}/posts/{world.refs['post_id']}/comments",
        json={"body": "Forged", "author_id": world.refs["target_user_id"]},
    )

    assert response.status_code == 422


@pytest.mark.checklist("C15")
@pytest.mark.parametrize(
    ("field", "cap"), [("title", MAX_TITLE_LENGTH), ("body", MAX_POST_BODY_LENGTH)]
)
async def test_post_fields_are_taken_up_to_their_cap_and_refused_above(
    callers: Callers, world: World, field: str, cap: int
) -> None:
    at_cap = await callers("member").post(posts_of(world), json=a_post(**{field: "é" * cap}))
    above = await callers("member").post(posts_of(world), json=a_post(**{field: "é" * (cap + 1)}))

    assert at_cap.status_code == 201
    assert above.status_code == 422


@pytest.mark.checklist("C15")
async def test_a_comment_is_taken_up_to_its_cap_and_refused_above(
    callers: Callers, world: World
) -> None:
    comments = f"{org_path(world)}/posts/{world.refs['post_id']}/comments"

    at_cap = await callers("member").post(comments, json={"body": "x" * MAX_COMMENT_LENGTH})
    above = await callers("member").post(comments, json={"body": "x" * (MAX_COMMENT_LENGTH + 1)})

    assert at_cap.status_code == 201
    assert above.status_code == 422


@pytest.mark.checklist("C15")
@pytest.mark.parametrize("title", ["Line one\r\nBcc: someone@example.org", "Tab\there", "   "])
async def test_a_title_with_a_line_break_control_character_or_nothing_in_it_is_refused(
    callers: Callers, world: World, title: str
) -> None:
    response = await callers("member").post(posts_of(world), json=a_post(title=title))

    assert response.status_code == 422


@pytest.mark.checklist("C15")
async def test_a_title_keeps_its_surrounding_spaces(callers: Callers, world: World) -> None:
    response = await callers("member").post(posts_of(world), json=a_post(title="  Spaced  "))

    assert response.json()["title"] == "  Spaced  "


@pytest.mark.checklist("C15")
async def test_a_post_over_the_request_body_cap_is_refused_with_413(
    callers: Callers, world: World
) -> None:
    cap = world.settings.max_body_bytes

    response = await callers("member").post(posts_of(world), json=a_post(body="x" * (cap + 1)))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
