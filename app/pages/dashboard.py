"""The dashboard: each of the caller's orgs with the spaces they see there and the newest
published posts they may read, in a fixed number of queries whatever the counts.

The contexts come from `app.authz` (`MyOrgContexts`); the spaces and posts services apply
the same rules as the API's lists, to every org at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from app.authz.org_context import OrgContext
from app.orgs.models import Org
from app.posts.schemas import PostSummary
from app.posts.service import PostService
from app.spaces.schemas import SpaceOut
from app.spaces.service import SpaceService, space_out

DASHBOARD_SPACES = 20  # per org; the org page lists them all
DASHBOARD_POSTS = 5  # per org


@dataclass(frozen=True)
class DashboardPost:
    post: PostSummary
    space_name: str


@dataclass(frozen=True)
class OrgPanel:
    org: Org
    role: str
    spaces: list[SpaceOut]
    more_spaces: bool
    posts: list[DashboardPost]


async def org_panels(
    contexts: Sequence[OrgContext],
    my_orgs: Sequence[tuple[Org, str]],
    spaces: SpaceService,
    posts: PostService,
) -> list[OrgPanel]:
    """One panel per org the caller has a context in, in the order of `my_orgs`."""
    by_org = {context.org_id: context for context in contexts}
    seen = await spaces.visible_in_orgs(contexts)
    latest = await posts.latest_in_orgs(contexts, seen, DASHBOARD_POSTS)
    names: dict[uuid.UUID, str] = {row.id: row.name for rows in seen.values() for row in rows}
    return [
        OrgPanel(
            org=org,
            role=str(by_org[org.id].role),
            spaces=[space_out(row) for row in seen[org.id][:DASHBOARD_SPACES]],
            more_spaces=len(seen[org.id]) > DASHBOARD_SPACES,
            posts=[DashboardPost(row, names[row.space_id]) for row in latest[org.id]],
        )
        for org, _role in my_orgs
        if org.id in by_org
    ]
