"""C11: drafts only to their author; authors edit, moderators and up delete."""

from __future__ import annotations

import pytest

from tests.support.world import World
from tests.support.world_content import Callers, org_path

pytestmark = pytest.mark.checklist("C11")


def posts_of(world: World, space: str = "open_space_id") -> str:
    return f"{org_path(world)}/spaces/{world.refs[space]}/posts"


async def listed_post_ids(callers: Callers, world: World, name: str, **params: str) -> list[str]:
    response = await callers(name).get(posts_of(world), params=params)
    assert response.status_code == 200
    return [post["id"] for post in response.json()["items"]]


async def test_the_plain_list_holds_published_posts_only(callers: Callers, world: World) -> None:
    assert await listed_post_ids(callers, world, "member") == [world.refs["post_id"]]


async def test_drafts_mine_adds_the_callers_own_drafts(callers: Callers, world: World) -> None:
    listed = await listed_post_ids(callers, world, "member", drafts="mine")

    assert set(listed) == {world.refs["post_id"], world.refs["draft_post_id"]}


@pytest.mark.parametrize("name", ["moderator", "admin", "owner"])
async def test_drafts_mine_never_shows_someone_elses_draft(
    callers: Callers, world: World, name: str
) -> None:
    assert await listed_post_ids(callers, world, name, drafts="mine") == [world.refs["post_id"]]


@pytest.mark.parametrize("name", ["target", "moderator", "admin", "owner"])
async def test_someone_elses_draft_is_not_found_by_id_admins_and_owner_included(
    callers: Callers, world: World, name: str
) -> None:
    draft = f"{org_path(world)}/posts/{world.refs['draft_post_id']}"

    assert (await callers(name).get(draft)).status_code == 404
    assert (await callers(name).get(f"{draft}/comments")).status_code == 404
    assert (await callers(name).delete(draft)).status_code == 404
    assert (await callers("member").get(draft)).status_code == 200


async def test_another_value_of_drafts_is_refused(callers: Callers, world: World) -> None:
    response = await callers("admin").get(posts_of(world), params={"drafts": "all"})

    assert response.status_code == 422


async def test_publishing_a_draft_lists_it_first(callers: Callers, world: World) -> None:
    draft = f"{org_path(world)}/posts/{world.refs['draft_post_id']}"

    published = await callers("member").patch(draft, json={"status": "published"})

    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert (await listed_post_ids(callers, world, "target"))[0] == world.refs["draft_post_id"]


async def test_a_published_post_cannot_become_a_draft_again(callers: Callers, world: World) -> None:
    post = f"{org_path(world)}/posts/{world.refs['post_id']}"

    response = await callers("member").patch(post, json={"status": "draft"})

    assert response.status_code == 409
    assert (await callers("target").get(post)).status_code == 200


@pytest.mark.parametrize("name", ["moderator", "admin", "owner"])
async def test_only_its_author_edits_a_post(callers: Callers, world: World, name: str) -> None:
    post = f"{org_path(world)}/posts/{world.refs['post_id']}"

    response = await callers(name).patch(post, json={"title": "Rewritten"})

    assert response.status_code == 403
    assert (await callers("member").get(post)).json()["title"] != "Rewritten"


async def test_an_edit_keeps_what_it_does_not_name(callers: Callers, world: World) -> None:
    post = f"{org_path(world)}/posts/{world.refs['post_id']}"
    before = (await callers("member").get(post)).json()

    after = (await callers("member").patch(post, json={"title": "Better title"})).json()

    assert after["title"] == "Better title"
    assert after["body"] == before["body"]
    assert after["updated_at"] is not None


async def test_a_member_cannot_delete_someone_elses_post(callers: Callers, world: World) -> None:
    created = await callers("target").post(
        posts_of(world), json={"title": "Mine", "body": "Mine.", "status": "published"}
    )
    post = f"{org_path(world)}/posts/{created.json()['id']}"

    response = await callers("member").delete(post)

    assert response.status_code == 403
    assert (await callers("member").get(post)).status_code == 200


async def test_a_moderator_removing_a_post_is_in_the_audit_log(
    callers: Callers, world: World
) -> None:
    removed = await callers("moderator").delete(f"{org_path(world)}/posts/{world.refs['post_id']}")

    assert removed.status_code == 204
    log = (await callers("admin").get(f"{org_path(world)}/audit-log")).json()["items"]
    assert any(
        event["action"] == "post.removed" and event["target_id"] == world.refs["post_id"]
        for event in log
    )


async def test_deleting_a_post_takes_its_comments_out_of_view(
    callers: Callers, world: World
) -> None:
    post = f"{org_path(world)}/posts/{world.refs['post_id']}"

    assert (await callers("member").delete(post)).status_code == 204

    assert (await callers("target").get(f"{post}/comments")).status_code == 404
    comment = f"{org_path(world)}/comments/{world.refs['target_comment_id']}"
    assert (await callers("target").delete(comment)).status_code == 404


async def test_a_draft_takes_no_comments(callers: Callers, world: World) -> None:
    draft = f"{org_path(world)}/posts/{world.refs['draft_post_id']}"

    response = await callers("member").post(f"{draft}/comments", json={"body": "Note to self"})

    assert response.status_code == 409


async def test_a_comment_in_a_private_space_is_not_found_for_outsiders_even_moderators(
    callers: Callers, world: World
) -> None:
    post = f"{org_path(world)}/posts/{world.refs['private_post_id']}"
    created = await callers("target").post(f"{post}/comments", json={"body": "Inside only"})

    response = await callers("moderator").delete(
        f"{org_path(world)}/comments/{created.json()['id']}"
    )

    assert response.status_code == 404
