"""C11: who sees, joins and reads which space.

Open: every org member. Private: its members (admins see that it exists and manage it,
but read its content only once they added themselves). Paid: listed to every member,
its content only with an active payment, and always to admins and the owner.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from app.orgs.models import PaymentStatus
from tests.support.world import World
from tests.support.world_content import Callers, org_path, set_payment

pytestmark = pytest.mark.checklist("C11")


async def listed_space_ids(callers: Callers, world: World, name: str) -> set[str]:
    response = await callers(name).get(f"{org_path(world)}/spaces")
    assert response.status_code == 200
    return {space["id"] for space in response.json()["items"]}


async def test_a_private_space_is_left_out_of_the_list_of_a_member_not_in_it(
    callers: Callers, world: World
) -> None:
    listed = await listed_space_ids(callers, world, "moderator")

    assert world.refs["private_space_id"] not in listed
    assert {world.refs["open_space_id"], world.refs["paid_space_id"]} <= listed


async def test_a_private_space_is_listed_to_its_members_and_to_admins(
    callers: Callers, world: World
) -> None:
    for name in ("member", "admin", "owner"):
        assert world.refs["private_space_id"] in await listed_space_ids(callers, world, name)


async def test_the_list_says_which_spaces_the_caller_is_in(callers: Callers, world: World) -> None:
    response = await callers("member").get(f"{org_path(world)}/spaces")

    in_it = {space["id"]: space["is_member"] for space in response.json()["items"]}
    assert in_it[world.refs["open_space_id"]] is True
    assert in_it[world.refs["paid_space_id"]] is False


async def test_joining_a_private_space_is_not_found_for_an_outsider(
    callers: Callers, world: World
) -> None:
    response = await callers("moderator").post(
        f"{org_path(world)}/spaces/{world.refs['private_space_id']}/join"
    )

    assert response.status_code == 404


async def test_an_admin_reads_a_private_space_only_after_adding_themself(
    callers: Callers, world: World
) -> None:
    admin = callers("admin")
    space = f"{org_path(world)}/spaces/{world.refs['private_space_id']}"

    before = await admin.get(f"{space}/posts")
    added = await admin.post(
        f"{space}/members", json={"user_id": str(world.people["admin"].user_id)}
    )
    after = await admin.get(f"{space}/posts")

    assert before.status_code == 403
    assert before.json()["error"]["code"] == "space_content_locked"
    assert added.status_code == 201
    assert after.status_code == 200
    members = (await admin.get(f"{space}/members")).json()["items"]
    assert str(world.people["admin"].user_id) in {member["user_id"] for member in members}


async def test_removing_a_member_from_a_private_space_ends_their_access_to_its_posts(
    callers: Callers, world: World
) -> None:
    space = f"{org_path(world)}/spaces/{world.refs['private_space_id']}"
    post = f"{org_path(world)}/posts/{world.refs['private_post_id']}"
    assert (await callers("member").get(post)).status_code == 200

    removed = await callers("admin").delete(f"{space}/members/{world.refs['member_user_id']}")

    assert removed.status_code == 204
    assert (await callers("member").get(post)).status_code == 404
    assert (await callers("member").get(space)).status_code == 404


async def test_a_paid_space_is_listed_but_its_posts_need_an_active_payment(
    app: FastAPI, callers: Callers, world: World
) -> None:
    posts = f"{org_path(world)}/spaces/{world.refs['paid_space_id']}/posts"
    assert world.refs["paid_space_id"] in await listed_space_ids(callers, world, "member")

    unpaid = await callers("member").get(posts)
    await set_payment(app, world, "member", PaymentStatus.ACTIVE)
    paid = await callers("member").get(posts)

    assert unpaid.status_code == 403
    assert unpaid.json()["error"]["code"] == "space_content_locked"
    assert paid.status_code == 200
    assert [post["id"] for post in paid.json()["items"]] == [world.refs["paid_post_id"]]


@pytest.mark.parametrize("status", [PaymentStatus.PAST_DUE, PaymentStatus.CANCELED])
async def test_a_lapsed_payment_closes_the_paid_content_again(
    app: FastAPI, callers: Callers, world: World, status: PaymentStatus
) -> None:
    post = f"{org_path(world)}/posts/{world.refs['paid_post_id']}"
    await set_payment(app, world, "member", PaymentStatus.ACTIVE)
    assert (await callers("member").get(post)).status_code == 200

    await set_payment(app, world, "member", status)

    assert (await callers("member").get(post)).status_code == 404


async def test_a_paid_space_is_joined_only_with_an_active_payment(
    app: FastAPI, callers: Callers, world: World
) -> None:
    join = f"{org_path(world)}/spaces/{world.refs['paid_space_id']}/join"

    refused = await callers("member").post(join)
    await set_payment(app, world, "member", PaymentStatus.ACTIVE)
    joined = await callers("member").post(join)
    again = await callers("member").post(join)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "space_not_joinable"
    assert joined.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == joined.json()["id"]


async def test_admins_and_the_owner_read_a_paid_space_without_paying(
    callers: Callers, world: World
) -> None:
    posts = f"{org_path(world)}/spaces/{world.refs['paid_space_id']}/posts"

    for name in ("admin", "owner"):
        assert (await callers(name).get(posts)).status_code == 200


async def test_posting_in_an_open_space_needs_no_joining(callers: Callers, world: World) -> None:
    response = await callers("moderator").post(
        f"{org_path(world)}/spaces/{world.refs['open_space_id']}/posts",
        json={"title": "Hello", "body": "First time here.", "status": "published"},
    )

    assert response.status_code == 201
