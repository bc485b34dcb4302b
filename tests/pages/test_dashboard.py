"""The dashboard through HTTP on the seeded world (tests/support/world_content.py): each
org of the caller with the spaces they see and the newest published posts they may read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event

from app.authz.permissions import Role
from app.orgs.models import Membership
from app.posts.models import Post, PostStatus
from app.spaces.models import Space, Visibility
from tests.support.world import World
from tests.support.world_content import Callers


async def dashboard_of(callers: Callers, name: str) -> str:
    answer = await callers(name).get("/dashboard")
    assert answer.status_code == 200, answer.text
    return answer.text


def space_link(world: World, space: str, org: str = "org_id") -> str:
    return f'href="/orgs/{world.refs[org]}/spaces/{world.refs[space]}"'


def post_link(world: World, post: str, org: str = "org_id") -> str:
    return f'href="/orgs/{world.refs[org]}/posts/{world.refs[post]}"'


async def test_the_dashboard_lists_the_spaces_a_member_sees_in_their_org(
    callers: Callers, world: World
) -> None:
    page = await dashboard_of(callers, "member")
    assert "Org A" in page
    for space in ("open_space_id", "private_space_id", "paid_space_id"):
        assert space_link(world, space) in page


async def test_the_dashboard_shows_the_latest_published_post(
    callers: Callers, world: World
) -> None:
    page = await dashboard_of(callers, "target")
    assert post_link(world, "post_id") in page


@pytest.mark.checklist("C11")
async def test_the_dashboard_does_not_show_another_members_draft(
    callers: Callers, world: World
) -> None:
    page = await dashboard_of(callers, "target")
    assert world.refs["draft_post_id"] not in page


@pytest.mark.checklist("C11")
async def test_the_dashboard_shows_neither_a_private_space_nor_its_post_to_a_non_member(
    callers: Callers, world: World
) -> None:
    page = await dashboard_of(callers, "moderator")
    assert world.refs["private_space_id"] not in page
    assert world.refs["private_post_id"] not in page
    assert post_link(world, "post_id") in page


async def test_an_admin_sees_a_private_space_listed_but_not_its_posts(
    callers: Callers, world: World
) -> None:
    page = await dashboard_of(callers, "admin")
    assert space_link(world, "private_space_id") in page
    assert world.refs["private_post_id"] not in page


@pytest.mark.checklist("C11")
async def test_a_paid_spaces_post_is_not_shown_without_an_active_payment(
    callers: Callers, world: World
) -> None:
    assert world.refs["paid_post_id"] not in await dashboard_of(callers, "member")
    assert post_link(world, "paid_post_id") in await dashboard_of(callers, "admin")


@pytest.mark.checklist("C10")
async def test_the_dashboard_shows_nothing_of_another_org(callers: Callers, world: World) -> None:
    page = await dashboard_of(callers, "other_org_member")
    assert "Org A" not in page
    assert world.refs["org_id"] not in page
    assert post_link(world, "other_org_post_id", "other_org_id") in page
    member_page = await dashboard_of(callers, "member")
    for ref in ("other_org_id", "other_org_space_id", "other_org_post_id"):
        assert world.refs[ref] not in member_page


async def test_a_member_of_two_orgs_sees_each_orgs_posts_under_it(
    app: FastAPI, callers: Callers, world: World
) -> None:
    await _join_org_b(app, world, "member")
    page = await dashboard_of(callers, "member")
    org_b_at = page.index("Org B")
    assert page.index(post_link(world, "post_id")) < org_b_at
    assert page.index(post_link(world, "other_org_post_id", "other_org_id")) > org_b_at


async def test_the_dashboard_makes_as_many_queries_with_more_orgs_spaces_and_posts(
    app: FastAPI, callers: Callers, world: World
) -> None:
    await dashboard_of(callers, "member")  # the session's periodic touch is behind us
    with _statements(app) as before:
        await dashboard_of(callers, "member")
    await _join_org_b(app, world, "member")
    await _add_spaces_with_posts(app, world, spaces=4, posts_each=6)
    with _statements(app) as after:
        page = await dashboard_of(callers, "member")
    assert page.count("Added post") == 5
    assert len(after) == len(before), after


@contextmanager
def _statements(app: FastAPI) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    engine = app.state.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _join_org_b(app: FastAPI, world: World, name: str) -> None:
    async with app.state.database.sessionmaker() as db:
        org_b = uuid.UUID(world.refs["other_org_id"])
        db.add(Membership(org_id=org_b, user_id=world.people[name].user_id, role=Role.MEMBER))
        await db.commit()


async def _add_spaces_with_posts(app: FastAPI, world: World, spaces: int, posts_each: int) -> None:
    org_a = uuid.UUID(world.refs["org_id"])
    author = world.people["target"].user_id
    async with app.state.database.sessionmaker() as db:
        for s in range(spaces):
            space = Space(
                id=uuid.uuid4(), org_id=org_a, name=f"Added {s}", visibility=Visibility.OPEN
            )
            db.add(space)
            await db.flush()
            for p in range(posts_each):
                db.add(
                    Post(
                        org_id=org_a, space_id=space.id, author_id=author, title=f"Added post {p}",
                        body="More.", status=PostStatus.PUBLISHED,
                    )
                )  # fmt: skip
        await db.commit()
