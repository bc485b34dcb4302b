"""C15: post and comment lists page in a stable order, with capped limits and cursors
bound to their space or post; search is plain text, bounded, within one space."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.support.world import World
from tests.support.world_content import Callers, org_path

pytestmark = pytest.mark.checklist("C15")


def posts_of(world: World, space: str = "open_space_id") -> str:
    return f"{org_path(world)}/spaces/{world.refs[space]}/posts"


async def publish(client: AsyncClient, path: str, title: str, body: str = "Text.") -> str:
    response = await client.post(path, json={"title": title, "body": body, "status": "published"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def every_page(client: AsyncClient, path: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(path, params=params)).json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_posts_page_newest_first_without_repeats_or_gaps(
    callers: Callers, world: World
) -> None:
    member = callers("member")
    created = [await publish(member, posts_of(world), f"Post {n}") for n in range(4)]

    pages = await every_page(member, posts_of(world), limit=2)

    assert pages == [created[::-1][:2], created[::-1][2:], [world.refs["post_id"]]]


async def test_a_cursor_from_another_spaces_posts_is_refused(
    callers: Callers, world: World
) -> None:
    member = callers("member")
    for number in range(2):
        await publish(member, posts_of(world, "private_space_id"), f"Private {number}")
    first = await member.get(posts_of(world, "private_space_id"), params={"limit": 1})

    response = await member.get(
        posts_of(world), params={"limit": 1, "cursor": first.json()["next_cursor"]}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


async def test_a_cursor_of_someone_elses_drafts_list_is_refused(
    callers: Callers, world: World
) -> None:
    await publish(callers("member"), posts_of(world), "One more")
    page = await callers("member").get(posts_of(world), params={"limit": 1, "drafts": "mine"})

    response = await callers("target").get(
        posts_of(world),
        params={"limit": 1, "drafts": "mine", "cursor": page.json()["next_cursor"]},
    )

    assert response.status_code == 400


async def test_a_tampered_cursor_is_refused(callers: Callers, world: World) -> None:
    await publish(callers("member"), posts_of(world), "One more")
    cursor = (await callers("member").get(posts_of(world), params={"limit": 1})).json()[
        "next_cursor"
    ]

    response = await callers("member").get(posts_of(world), params={"cursor": cursor[:-2] + "xx"})

    assert response.status_code == 400


async def test_a_limit_above_the_cap_is_refused(callers: Callers, world: World) -> None:
    response = await callers("member").get(posts_of(world), params={"limit": 101})

    assert response.status_code == 422


async def test_comments_page_oldest_first_and_their_cursor_is_bound_to_the_post(
    callers: Callers, world: World
) -> None:
    comments = f"{org_path(world)}/posts/{world.refs['post_id']}/comments"
    added = [
        (await callers("target").post(comments, json={"body": f"Reply {n}"})).json()["id"]
        for n in range(3)
    ]
    seeded = [world.refs["comment_id"], world.refs["target_comment_id"]]

    pages = await every_page(callers("member"), comments, limit=2)
    cursor = (await callers("member").get(comments, params={"limit": 1})).json()["next_cursor"]
    elsewhere = await callers("member").get(
        f"{org_path(world)}/posts/{world.refs['private_post_id']}/comments",
        params={"cursor": cursor},
    )

    listed = [comment for page in pages for comment in page]
    assert set(listed[:2]) == set(seeded)
    assert listed[2:] == added
    assert elsewhere.status_code == 400


async def test_search_finds_posts_by_title_or_body_within_the_space(
    callers: Callers, world: World
) -> None:
    member = callers("member")
    by_title = await publish(member, posts_of(world), "Marathon training")
    by_body = await publish(member, posts_of(world), "Weekend", body="A long MARATHON run.")
    await publish(member, posts_of(world), "Cooking")
    await publish(member, posts_of(world, "private_space_id"), "Marathon, privately")

    response = await member.get(posts_of(world), params={"q": "marathon"})

    assert {post["id"] for post in response.json()["items"]} == {by_title, by_body}


@pytest.mark.parametrize("wildcard", ["%", "_", "\\"])
async def test_search_takes_wildcards_as_plain_characters(
    callers: Callers, world: World, wildcard: str
) -> None:
    member = callers("member")
    holding = await publish(member, posts_of(world), f"Saving 50{wildcard} now")

    response = await member.get(posts_of(world), params={"q": wildcard})

    assert [post["id"] for post in response.json()["items"]] == [holding]


async def test_search_text_over_the_cap_is_refused(callers: Callers, world: World) -> None:
    response = await callers("member").get(posts_of(world), params={"q": "x" * 101})

    assert response.status_code == 422


async def test_a_list_item_carries_an_excerpt_not_the_whole_body(
    callers: Callers, world: World
) -> None:
    await publish(callers("member"), posts_of(world), "Long one", body="word " * 1000)

    item = (await callers("member").get(posts_of(world), params={"limit": 1})).json()["items"][0]

    assert item["excerpt"] == ("word " * 1000)[:280]
    assert "body" not in item
