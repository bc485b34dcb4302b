"""C11: a post's comments show only to those who may read the post. The comment page
and the decision come in one query, so these cases have comments to hide."""

from __future__ import annotations

import pytest

from tests.support.world import World
from tests.support.world_content import Callers, org_path

pytestmark = pytest.mark.checklist("C11")


def comments_of(world: World, post: str) -> str:
    return f"{org_path(world)}/posts/{world.refs[post]}/comments"


async def test_comments_in_a_private_space_are_a_404_to_an_org_member_outside_it(
    callers: Callers, world: World
) -> None:
    comments = comments_of(world, "private_post_id")
    written = await callers("member").post(comments, json={"body": "Just us here."})
    assert written.status_code == 201, written.text

    listed = await callers("moderator").get(comments)

    assert listed.status_code == 404
    assert "Just us here." not in listed.text


async def test_comments_in_a_paid_space_are_a_404_to_a_member_without_a_payment(
    callers: Callers, world: World
) -> None:
    comments = comments_of(world, "paid_post_id")
    written = await callers("admin").post(comments, json={"body": "For subscribers."})
    assert written.status_code == 201, written.text

    listed = await callers("member").get(comments)

    assert listed.status_code == 404
    assert "For subscribers." not in listed.text


async def test_the_members_of_a_private_space_read_its_comments(
    callers: Callers, world: World
) -> None:
    comments = comments_of(world, "private_post_id")
    await callers("member").post(comments, json={"body": "Just us here."})

    listed = await callers("target").get(comments)

    assert listed.status_code == 200
    assert [item["body"] for item in listed.json()["items"]] == ["Just us here."]
