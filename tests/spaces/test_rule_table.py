"""The object rules live once: what the API lists and opens matches `app/authz/rules.py`.

The list queries carry an SQL form of `may_see_space` and `may_see_post`. These tables
ask the API, as every person of the seeded world with and without an active payment,
for every space and post of org A, and compare each answer with the rule evaluated in
Python for the same person and object. A query that drifts from its rule fails here.
"""

from __future__ import annotations

import uuid

import pytest

from app.authz import org_context
from app.authz.org_context import OrgContext
from app.authz.permissions import Role
from app.authz.rules import SpaceAccess, may_read_space, may_see_post, may_see_space
from app.orgs.models import PaymentStatus
from app.posts.models import PostStatus
from app.spaces.models import Visibility
from tests.support.world import World
from tests.support.world_content import Callers, org_path, set_payment

pytestmark = pytest.mark.checklist("C11")

ROLES = {
    "member": Role.MEMBER,
    "target": Role.MEMBER,
    "moderator": Role.MODERATOR,
    "admin": Role.ADMIN,
    "owner": Role.OWNER,
}
# the seeded spaces of org A: (ref, visibility, the people in it)
SPACES: tuple[tuple[str, Visibility, set[str]], ...] = (
    ("open_space_id", Visibility.OPEN, {"member", "target"}),
    ("private_space_id", Visibility.PRIVATE, {"member", "target"}),
    ("paid_space_id", Visibility.PAID, set()),
)
# the seeded posts of org A: (ref, space ref, author, status)
POSTS = (
    ("post_id", "open_space_id", "member", PostStatus.PUBLISHED),
    ("draft_post_id", "open_space_id", "member", PostStatus.DRAFT),
    ("private_post_id", "private_space_id", "member", PostStatus.PUBLISHED),
    ("paid_post_id", "paid_space_id", "admin", PostStatus.PUBLISHED),
)
PEOPLE_AND_PAYMENTS = [
    pytest.param(person, paying, id=f"{person}-{'paying' if paying else 'not-paying'}")
    for person in ROLES
    for paying in (False, True)
]


def context_of(world: World, person: str, paying: bool) -> OrgContext:
    """The context the authz layer would issue for this person (the test borrows its seal)."""
    return OrgContext(
        org_id=uuid.UUID(world.refs["org_id"]),
        user_id=world.people[person].user_id,
        role=ROLES[person],
        membership_id=uuid.uuid4(),
        payment_active=paying,
        _seal=org_context._ISSUED_BY_AUTHZ,
    )


def access_of(person: str, space_ref: str) -> SpaceAccess:
    visibility, members = next((v, m) for ref, v, m in SPACES if ref == space_ref)
    return SpaceAccess(visibility=visibility, is_member=person in members)


async def as_person(callers: Callers, world: World, person: str, paying: bool) -> OrgContext:
    if paying:
        await set_payment(callers.app, world, person, PaymentStatus.ACTIVE)
    return context_of(world, person, paying)


@pytest.mark.parametrize(("person", "paying"), PEOPLE_AND_PAYMENTS)
async def test_the_space_list_is_exactly_the_spaces_the_rule_lets_the_caller_see(
    callers: Callers, world: World, person: str, paying: bool
) -> None:
    context = await as_person(callers, world, person, paying)
    answer = await callers(person).get(f"{org_path(world)}/spaces")
    assert answer.status_code == 200
    listed = {item["id"] for item in answer.json()["items"]}
    expected = {
        world.refs[ref] for ref, _, _ in SPACES if may_see_space(context, access_of(person, ref))
    }
    assert listed == expected


@pytest.mark.parametrize(("person", "paying"), PEOPLE_AND_PAYMENTS)
async def test_each_space_feed_lists_exactly_the_posts_the_rule_lets_the_caller_see(
    callers: Callers, world: World, person: str, paying: bool
) -> None:
    context = await as_person(callers, world, person, paying)
    for space_ref, _, _ in SPACES:
        access = access_of(person, space_ref)
        answer = await callers(person).get(
            f"{org_path(world)}/spaces/{world.refs[space_ref]}/posts", params={"drafts": "mine"}
        )
        if not may_read_space(context, access):
            assert answer.status_code in (403, 404), space_ref
            continue
        assert answer.status_code == 200, space_ref
        listed = {item["id"] for item in answer.json()["items"]}
        expected = {
            world.refs[ref]
            for ref, in_space, author, status in POSTS
            if in_space == space_ref
            and may_see_post(context, access, world.people[author].user_id, status)
        }
        assert listed == expected, space_ref


@pytest.mark.parametrize(("person", "paying"), PEOPLE_AND_PAYMENTS)
async def test_each_post_opens_exactly_when_the_rule_lets_the_caller_see_it(
    callers: Callers, world: World, person: str, paying: bool
) -> None:
    context = await as_person(callers, world, person, paying)
    for ref, space_ref, author, status in POSTS:
        access = access_of(person, space_ref)
        visible = may_see_post(context, access, world.people[author].user_id, status)
        answer = await callers(person).get(f"{org_path(world)}/posts/{world.refs[ref]}")
        assert (answer.status_code == 200) is visible, ref
        if not may_see_space(context, access):
            assert answer.status_code == 404, ref
