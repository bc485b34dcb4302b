"""A post is read with its space's access (to decide on it), which its body never shows."""

from __future__ import annotations

from tests.support.world import World
from tests.support.world_content import Callers, org_path

POST_FIELDS = {
    "id", "space_id", "author_id", "author_name", "title", "body", "status", "created_at",
    "updated_at", "listed_at",
}  # fmt: skip


async def test_a_post_answers_its_own_fields_and_not_its_spaces_access(
    callers: Callers, world: World
) -> None:
    response = await callers("member").get(f"{org_path(world)}/posts/{world.refs['post_id']}")

    assert response.status_code == 200
    assert set(response.json()) == POST_FIELDS
