"""C10, C11: conversations only between members of one org, read and written only by their
participants (admins and the owner are no exception), and nothing left to a former member."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from app.authz.permissions import Role
from app.messages.schemas import MAX_PARTICIPANTS
from app.orgs.models import Membership
from tests.support.world import World
from tests.support.world_content import Callers, org_path


def conversations(world: World) -> str:
    return f"{org_path(world)}/conversations"


async def open_with(client: AsyncClient, world: World, *user_ids: str) -> dict[str, Any]:
    response = await client.post(conversations(world), json={"participant_ids": list(user_ids)})
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def listed(client: AsyncClient, world: World) -> list[str]:
    return [c["id"] for c in (await client.get(conversations(world))).json()["items"]]


@pytest.mark.checklist("C11")
async def test_the_caller_is_always_one_of_the_participants(callers: Callers, world: World) -> None:
    opened = await open_with(callers("admin"), world, world.refs["target_user_id"])

    participants = {p["user_id"] for p in opened["participants"]}
    assert participants == {str(world.people["admin"].user_id), world.refs["target_user_id"]}


@pytest.mark.checklist("C11")
async def test_the_same_people_get_their_existing_conversation_back(
    callers: Callers, world: World
) -> None:
    again = await callers("target").post(
        conversations(world), json={"participant_ids": [world.refs["member_user_id"]] * 2}
    )

    assert again.status_code == 200
    assert again.json()["id"] == world.refs["conversation_id"]


@pytest.mark.checklist("C11")
@pytest.mark.parametrize("name", ["moderator", "admin", "owner"])
async def test_a_conversation_is_left_out_of_the_lists_of_non_participants(
    callers: Callers, world: World, name: str
) -> None:
    assert world.refs["conversation_id"] not in await listed(callers(name), world)
    assert world.refs["conversation_id"] in await listed(callers("target"), world)


@pytest.mark.checklist("C10")
async def test_naming_a_member_of_another_org_opens_nothing(callers: Callers, world: World) -> None:
    before = await listed(callers("admin"), world)

    response = await callers("admin").post(
        conversations(world),
        json={
            "participant_ids": [
                world.refs["target_user_id"],
                world.refs["other_org_member_user_id"],
            ]
        },
    )

    assert response.status_code == 404
    assert await listed(callers("admin"), world) == before


@pytest.mark.checklist("C10")
async def test_an_unknown_participant_is_not_found(callers: Callers, world: World) -> None:
    response = await callers("member").post(
        conversations(world), json={"participant_ids": [str(uuid.uuid4())]}
    )

    assert response.status_code == 404


@pytest.mark.checklist("C15")
async def test_the_number_of_participants_is_capped(callers: Callers, world: World) -> None:
    too_many = [str(uuid.uuid4()) for _ in range(MAX_PARTICIPANTS)]

    response = await callers("member").post(
        conversations(world), json={"participant_ids": too_many}
    )

    assert response.status_code == 422


@pytest.mark.checklist("C11")
async def test_leaving_the_org_ends_access_and_coming_back_does_not_restore_it(
    app: FastAPI, callers: Callers, world: World
) -> None:
    target = callers("target")
    conversation = f"{conversations(world)}/{world.refs['conversation_id']}"
    left = await target.delete(f"{org_path(world)}/members/{world.refs['target_user_id']}")
    assert left.status_code == 204
    assert (await target.get(conversation)).status_code == 404

    async with app.state.database.sessionmaker() as db:
        db.add(
            Membership(
                org_id=uuid.UUID(world.refs["org_id"]),
                user_id=uuid.UUID(world.refs["target_user_id"]),
                role=Role.MEMBER,
            )
        )
        await db.commit()

    assert (await target.get(conversation)).status_code == 404
    assert (await target.get(f"{conversation}/messages")).status_code == 404
    assert world.refs["conversation_id"] not in await listed(target, world)
    fresh = await open_with(target, world, world.refs["member_user_id"])
    assert fresh["id"] != world.refs["conversation_id"]


@pytest.mark.checklist("C11")
async def test_after_someone_leaves_the_others_still_have_the_conversation(
    callers: Callers, world: World
) -> None:
    await callers("target").delete(f"{org_path(world)}/members/{world.refs['target_user_id']}")

    read = await callers("member").get(f"{conversations(world)}/{world.refs['conversation_id']}")

    assert read.status_code == 200
    assert [p["user_id"] for p in read.json()["participants"]] == [world.refs["member_user_id"]]
    messages = await callers("member").get(
        f"{conversations(world)}/{world.refs['conversation_id']}/messages"
    )
    assert [m["body"] for m in messages.json()["items"]] == ["Hi!"]


@pytest.mark.checklist("C15")
async def test_messages_page_newest_first_and_their_cursor_is_bound_to_the_conversation(
    callers: Callers, world: World
) -> None:
    member = callers("member")
    path = f"{conversations(world)}/{world.refs['conversation_id']}/messages"
    for number in range(3):
        await member.post(path, json={"body": f"Message {number}"})

    first = (await member.get(path, params={"limit": 2})).json()
    second = (await member.get(path, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    other = await open_with(member, world, world.refs["owner_user_id"])
    elsewhere = await member.get(
        f"{conversations(world)}/{other['id']}/messages", params={"cursor": first["next_cursor"]}
    )

    bodies = [m["body"] for m in first["items"] + second["items"]]
    assert bodies == ["Message 2", "Message 1", "Message 0", "Hi!"]
    assert second["next_cursor"] is None
    assert elsewhere.status_code == 400


@pytest.mark.checklist("C15")
async def test_conversations_list_by_latest_message_first(callers: Callers, world: World) -> None:
    member = callers("member")
    newer = await open_with(member, world, world.refs["owner_user_id"])
    assert (await listed(member, world))[0] == newer["id"]

    await member.post(
        f"{conversations(world)}/{world.refs['conversation_id']}/messages", json={"body": "Up"}
    )

    assert (await listed(member, world))[0] == world.refs["conversation_id"]


@pytest.mark.checklist("C15")
async def test_a_message_is_stored_and_returned_as_written(callers: Callers, world: World) -> None:
    text = "<b>bold?</b>\r\n\tno: <script>alert(1)</script>"
    path = f"{conversations(world)}/{world.refs['conversation_id']}/messages"

    sent = await callers("member").post(path, json={"body": text})
    read = await callers("target").get(path, params={"limit": 1})

    assert sent.status_code == 201
    assert read.headers["content-type"] == "application/json"
    assert read.json()["items"][0]["body"] == text


@pytest.mark.checklist("C13")
@pytest.mark.parametrize("field", ["sender_id", "conversation_id", "created_at"])
async def test_a_message_naming_its_sender_conversation_or_time_is_refused(
    callers: Callers, world: World, field: str
) -> None:
    path = f"{conversations(world)}/{world.refs['conversation_id']}/messages"
    value = world.refs["target_user_id"] if field != "created_at" else "2000-01-01T00:00:00Z"

    response = await callers("member").post(path, json={"body": "Forged", field: value})

    assert response.status_code == 422


@pytest.mark.checklist("C15")
async def test_a_message_over_the_cap_is_refused(callers: Callers, world: World) -> None:
    path = f"{conversations(world)}/{world.refs['conversation_id']}/messages"

    response = await callers("member").post(path, json={"body": "x" * 5001})

    assert response.status_code == 422
