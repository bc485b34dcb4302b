"""C11: a block stops messages between two members, both ways, until it is lifted.

Seeded: member blocked moderator; they share a conversation from before the block.
"""

from __future__ import annotations

import pytest

from tests.support.world import World
from tests.support.world_content import Callers, org_path

pytestmark = pytest.mark.checklist("C11")


def messages_of(world: World, conversation: str = "blocked_conversation_id") -> str:
    return f"{org_path(world)}/conversations/{world.refs[conversation]}/messages"


async def test_a_blocked_member_cannot_write_to_the_blocker(callers: Callers, world: World) -> None:
    response = await callers("moderator").post(messages_of(world), json={"body": "Hello?"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "blocked"


async def test_a_blocked_member_cannot_open_a_conversation_with_the_blocker(
    callers: Callers, world: World
) -> None:
    response = await callers("moderator").post(
        f"{org_path(world)}/conversations",
        json={"participant_ids": [world.refs["member_user_id"], world.refs["target_user_id"]]},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "blocked"


async def test_the_blocker_cannot_write_either_until_they_unblock(
    callers: Callers, world: World
) -> None:
    member = callers("member")

    while_blocked = await member.post(messages_of(world), json={"body": "One more thing"})
    unblocked = await member.delete(f"{org_path(world)}/blocks/{world.refs['moderator_user_id']}")
    after = await member.post(messages_of(world), json={"body": "One more thing"})
    answer = await callers("moderator").post(messages_of(world), json={"body": "Thanks"})

    assert while_blocked.status_code == 403
    assert unblocked.status_code == 204
    assert (after.status_code, answer.status_code) == (201, 201)


async def test_a_block_stops_writing_but_leaves_the_history_readable(
    callers: Callers, world: World
) -> None:
    assert (await callers("moderator").get(messages_of(world))).status_code == 200


async def test_blocking_someone_closes_the_conversations_already_open_with_them(
    callers: Callers, world: World
) -> None:
    blocked = await callers("target").post(
        f"{org_path(world)}/blocks", json={"user_id": world.refs["member_user_id"]}
    )

    response = await callers("member").post(
        messages_of(world, "conversation_id"), json={"body": "Still there?"}
    )

    assert blocked.status_code == 201
    assert response.status_code == 403


@pytest.mark.checklist("C10")
async def test_blocking_a_member_of_another_org_is_not_found(
    callers: Callers, world: World
) -> None:
    response = await callers("member").post(
        f"{org_path(world)}/blocks", json={"user_id": world.refs["other_org_member_user_id"]}
    )

    assert response.status_code == 404


async def test_blocking_oneself_is_refused(callers: Callers, world: World) -> None:
    response = await callers("member").post(
        f"{org_path(world)}/blocks", json={"user_id": world.refs["member_user_id"]}
    )

    assert response.status_code == 422


async def test_a_block_is_listed_only_to_the_blocker(callers: Callers, world: World) -> None:
    blocks = f"{org_path(world)}/blocks"

    mine = (await callers("member").get(blocks)).json()["items"]
    theirs = (await callers("moderator").get(blocks)).json()["items"]

    assert [block["user_id"] for block in mine] == [world.refs["moderator_user_id"]]
    assert theirs == []


async def test_blocking_twice_keeps_one_block(callers: Callers, world: World) -> None:
    body = {"user_id": world.refs["moderator_user_id"]}

    again = await callers("member").post(f"{org_path(world)}/blocks", json=body)

    assert again.status_code == 200
    assert len((await callers("member").get(f"{org_path(world)}/blocks")).json()["items"]) == 1


async def test_unblocking_someone_not_blocked_is_not_found(callers: Callers, world: World) -> None:
    response = await callers("member").delete(
        f"{org_path(world)}/blocks/{world.refs['target_user_id']}"
    )

    assert response.status_code == 404
