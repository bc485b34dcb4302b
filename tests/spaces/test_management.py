"""Spaces managed by admins: creation, changes, deletion and membership (C10, C11, C13)."""

from __future__ import annotations

import pytest

from tests.support.world import World
from tests.support.world_content import Callers, org_path


@pytest.mark.checklist("C11")
async def test_the_creator_of_a_private_space_is_its_first_member(
    callers: Callers, world: World
) -> None:
    created = await callers("admin").post(
        f"{org_path(world)}/spaces", json={"name": "Coaching circle", "visibility": "private"}
    )
    space = f"{org_path(world)}/spaces/{created.json()['id']}"

    assert created.status_code == 201
    assert created.json()["is_member"] is True
    assert (await callers("admin").get(f"{space}/posts")).status_code == 200
    assert (await callers("owner").get(f"{space}/posts")).status_code == 403
    assert (await callers("member").get(space)).status_code == 404


@pytest.mark.checklist("C11")
async def test_making_an_open_space_private_hides_it_from_those_not_in_it(
    callers: Callers, world: World
) -> None:
    space = f"{org_path(world)}/spaces/{world.refs['open_space_id']}"

    changed = await callers("admin").patch(space, json={"visibility": "private"})

    assert changed.status_code == 200
    assert changed.json()["visibility"] == "private"
    assert (await callers("moderator").get(space)).status_code == 404
    assert (await callers("member").get(space)).status_code == 200


async def test_deleting_a_space_takes_its_posts_and_comments_with_it(
    callers: Callers, world: World
) -> None:
    post = f"{org_path(world)}/posts/{world.refs['post_id']}"

    deleted = await callers("admin").delete(
        f"{org_path(world)}/spaces/{world.refs['open_space_id']}"
    )

    assert deleted.status_code == 204
    assert (await callers("member").get(post)).status_code == 404
    assert (await callers("member").get(f"{post}/comments")).status_code == 404
    comment = f"{org_path(world)}/comments/{world.refs['comment_id']}"
    assert (await callers("member").delete(comment)).status_code == 404


@pytest.mark.checklist("C10")
async def test_adding_a_member_of_another_org_to_a_space_is_not_found(
    callers: Callers, world: World
) -> None:
    members = f"{org_path(world)}/spaces/{world.refs['open_space_id']}/members"

    response = await callers("admin").post(
        members, json={"user_id": world.refs["other_org_member_user_id"]}
    )

    assert response.status_code == 404
    listed = (await callers("admin").get(members)).json()["items"]
    assert world.refs["other_org_member_user_id"] not in {m["user_id"] for m in listed}


@pytest.mark.checklist("C10")
async def test_an_admin_cannot_add_anyone_to_another_orgs_space(
    callers: Callers, world: World
) -> None:
    response = await callers("admin").post(
        f"{org_path(world)}/spaces/{world.refs['other_org_space_id']}/members",
        json={"user_id": world.refs["target_user_id"]},
    )

    assert response.status_code == 404


async def test_adding_someone_twice_keeps_one_membership(callers: Callers, world: World) -> None:
    members = f"{org_path(world)}/spaces/{world.refs['open_space_id']}/members"
    body = {"user_id": world.refs["moderator_user_id"]}

    first = await callers("admin").post(members, json=body)
    second = await callers("admin").post(members, json=body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


async def test_a_member_leaves_a_space_by_removing_themself(callers: Callers, world: World) -> None:
    space = f"{org_path(world)}/spaces/{world.refs['open_space_id']}"

    left = await callers("member").delete(f"{space}/members/{world.refs['member_user_id']}")

    assert left.status_code == 204
    assert (await callers("member").get(space)).json()["is_member"] is False


async def test_a_member_cannot_remove_someone_else_from_a_space(
    callers: Callers, world: World
) -> None:
    space = f"{org_path(world)}/spaces/{world.refs['open_space_id']}"

    response = await callers("member").delete(f"{space}/members/{world.refs['target_user_id']}")

    assert response.status_code == 403
    members = (await callers("member").get(f"{space}/members")).json()["items"]
    assert world.refs["target_user_id"] in {m["user_id"] for m in members}


@pytest.mark.checklist("C13")
@pytest.mark.parametrize(
    "field", [{"org_id": "{other_org_id}"}, {"created_by": "{target_user_id}"}, {"id": "{post_id}"}]
)
async def test_a_space_body_naming_its_org_creator_or_id_is_refused(
    callers: Callers, world: World, field: dict[str, str]
) -> None:
    extra = {name: world.fill(value) for name, value in field.items()}

    response = await callers("admin").post(
        f"{org_path(world)}/spaces", json={"name": "Mass assigned", **extra}
    )

    assert response.status_code == 422
    listed = (await callers("admin").get(f"{org_path(world)}/spaces")).json()["items"]
    assert "Mass assigned" not in {space["name"] for space in listed}
