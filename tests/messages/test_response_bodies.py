"""A conversation is read with its participants' memberships (to decide who may read it),
which its body never shows."""

from __future__ import annotations

from tests.support.world import World
from tests.support.world_content import Callers, org_path


async def test_a_conversations_participants_answer_their_user_and_name_only(
    callers: Callers, world: World
) -> None:
    path = f"{org_path(world)}/conversations/{world.refs['conversation_id']}"

    response = await callers("member").get(path)

    assert response.status_code == 200
    assert [set(p) for p in response.json()["participants"]] == [{"user_id", "display_name"}] * 2


async def test_a_listed_conversation_answers_no_memberships_either(
    callers: Callers, world: World
) -> None:
    response = await callers("member").get(f"{org_path(world)}/conversations")

    participants = [p for c in response.json()["items"] for p in c["participants"]]
    assert participants
    assert all(set(p) == {"user_id", "display_name"} for p in participants)
