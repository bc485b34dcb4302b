"""C15: space lists page in a stable order, with a capped limit and cursors bound to their list."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.support.world import World
from tests.support.world_content import Callers, org_path

pytestmark = pytest.mark.checklist("C15")


async def every_page(client: AsyncClient, path: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(path, params=params)).json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_spaces_page_in_creation_order_without_repeats_or_gaps(
    callers: Callers, world: World
) -> None:
    path = f"{org_path(world)}/spaces"
    for number in range(4):
        await callers("admin").post(path, json={"name": f"Space {number}"})
    everything = [s["id"] for s in (await callers("admin").get(path)).json()["items"]]

    pages = await every_page(callers("admin"), path, limit=2)

    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert [space for page in pages for space in page] == everything


async def test_a_cursor_from_another_orgs_list_is_refused(callers: Callers, world: World) -> None:
    org_b = org_path(world, "other_org_id")
    await callers("other_org_owner").post(f"{org_b}/spaces", json={"name": "Another"})
    page = await callers("other_org_owner").get(f"{org_b}/spaces", params={"limit": 1})
    cursor = page.json()["next_cursor"]
    assert cursor

    response = await callers("member").get(
        f"{org_path(world)}/spaces", params={"limit": 1, "cursor": cursor}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


async def test_a_cursor_of_the_spaces_list_is_refused_by_a_space_members_list(
    callers: Callers, world: World
) -> None:
    path = f"{org_path(world)}/spaces"
    cursor = (await callers("admin").get(path, params={"limit": 1})).json()["next_cursor"]

    response = await callers("admin").get(
        f"{path}/{world.refs['open_space_id']}/members", params={"cursor": cursor}
    )

    assert response.status_code == 400


@pytest.mark.parametrize("limit", [0, 101])
async def test_a_limit_outside_one_to_the_cap_is_refused(
    callers: Callers, world: World, limit: int
) -> None:
    response = await callers("member").get(f"{org_path(world)}/spaces", params={"limit": limit})

    assert response.status_code == 422
