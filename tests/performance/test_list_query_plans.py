"""Every list query is answered from an index at a realistic size: no sequential scan on
the big tables (issue 17).

The statements are the repositories' own: each repository function runs against a
session that records what it would execute, and the recording is EXPLAINed on a
PostgreSQL database seeded in bulk (benchmarks.seed, tens of thousands of rows, then
ANALYZE) so that the planner would scan a table whose index is missing.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from app.accounts.sessions import AuthenticatedUser
from app.authz import org_context
from app.authz.org_context import OrgContext
from app.authz.permissions import Role
from app.core.migrations import upgrade
from app.messages import repository as messages
from app.orgs import repository as orgs
from app.posts import repository as posts
from app.spaces import repository as spaces
from benchmarks.seed import Scale, row_id, seed
from tests.support.scratch_database import scratch_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="query plans are PostgreSQL's (DATABASE_URL=postgresql+asyncpg://...)",
)

BIG_TABLES = frozenset(
    {"posts", "comments", "messages", "conversations", "conversation_participants",
     "memberships", "space_memberships", "users", "invites", "audit_events"}
)  # fmt: skip


class _NoRows:
    """What the repository reads from an executed statement: nothing."""

    def all(self) -> list[Any]:
        return []

    def mappings(self) -> _NoRows:
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def scalars(self) -> Iterator[Any]:
        return iter(())

    def one_or_none(self) -> None:
        return None


class RecordingSession:
    """Stands in for the AsyncSession: keeps each statement and its parameters."""

    def __init__(self) -> None:
        self.executed: list[tuple[Any, dict[str, Any]]] = []

    async def execute(self, statement: Any, parameters: dict[str, Any] | None = None) -> _NoRows:
        self.executed.append((statement, parameters or {}))
        return _NoRows()


def _member_context(member: int) -> OrgContext:
    return OrgContext(
        org_id=row_id("org", member % 3),
        user_id=row_id("user", member),
        role=Role.MEMBER,
        membership_id=row_id("membership", member),
        payment_active=True,
        _seal=org_context._ISSUED_BY_AUTHZ,
    )


CALLER = _member_context(3)
SPACE = row_id("space", 0)
CURSOR_AT = (datetime.fromisoformat("2026-01-01T02:00:00+00:00"), uuid.UUID(int=0))

CALLER_USER = AuthenticatedUser(
    id=CALLER.user_id, email="member3@bench.example", display_name="Member 3",
    email_verified=True, bio="", session_id=uuid.UUID(int=1),
)  # fmt: skip
AUDIT_EVENTS = [row_id("audit", n) for n in range(0, 60, 3)]

ListQuery = Callable[[Any], Awaitable[object]]
LIST_QUERIES: dict[str, ListQuery] = {
    "posts of a space, first page": lambda db: posts.posts_page(
        db, CALLER, SPACE, with_own_drafts=True, search=None, after=None, limit=21
    ),
    "posts of a space, a cursor page": lambda db: posts.posts_page(
        db, CALLER, SPACE, with_own_drafts=True, search=None, after=CURSOR_AT, limit=21
    ),
    "comments of a post": lambda db: posts.comments_page(
        db, CALLER, row_id("post", 0), after=None, limit=51
    ),
    "comments of a post, a cursor page": lambda db: posts.comments_page(
        db, CALLER, row_id("post", 0), after=CURSOR_AT, limit=51
    ),
    "conversations of a member": lambda db: messages.conversations_page(
        db, CALLER, before=None, limit=21
    ),
    "conversations of a member, a cursor page": lambda db: messages.conversations_page(
        db, CALLER, before=CURSOR_AT, limit=21
    ),
    "messages of a conversation": lambda db: messages.messages_page(
        db, CALLER, row_id("conversation", 0), before=None, limit=21
    ),
    "messages of a conversation, a cursor page": lambda db: messages.messages_page(
        db, CALLER, row_id("conversation", 0), before=CURSOR_AT, limit=21
    ),
    "members of an org": lambda db: orgs.members_page(db, CALLER, after=None, limit=21),
    "members of an org, a cursor page": lambda db: orgs.members_page(
        db, CALLER, after=CURSOR_AT, limit=21
    ),
    "pending invites": lambda db: orgs.pending_invites_page(db, CALLER, after=None, limit=21),
    "audit log": lambda db: orgs.audit_page(db, CALLER, before=None, limit=21),
    "audit log, a cursor page": lambda db: orgs.audit_page(db, CALLER, before=CURSOR_AT, limit=21),
    "spaces of an org": lambda db: spaces.spaces_page(
        db, CALLER, with_all_private=False, after=None, limit=21
    ),
    "members of a space": lambda db: spaces.space_members_page(
        db, CALLER, SPACE, after=None, limit=21
    ),
    "blocks of a member, a cursor page": lambda db: messages.blocks_page(
        db, CALLER, after=CURSOR_AT, limit=21
    ),
    "orgs of a member": lambda db: orgs.orgs_of_user(db, CALLER.user_id),
    "org contexts of a caller (dashboard)": lambda db: org_context.contexts_of_caller(
        db, CALLER_USER
    ),
    "spaces of a member's orgs (dashboard)": lambda db: spaces.spaces_of_orgs(
        db, [CALLER], with_all_private=set()
    ),
    "people named by audit events": lambda db: orgs.people_of_events(db, CALLER, AUDIT_EVENTS),
}


@pytest.fixture(scope="module")
async def seeded_connection(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[AsyncConnection]:
    folder: Path = tmp_path_factory.mktemp("plans")
    async with scratch_database(os.environ["DATABASE_URL"], folder) as url:
        upgrade(url)
        await seed(url, Scale.explain())
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            yield connection
        await engine.dispose()


async def _plans(connection: AsyncConnection, query: ListQuery) -> list[dict[str, Any]]:
    recorder = RecordingSession()
    await query(recorder)
    plans = []
    for statement, parameters in recorder.executed:
        compiled = statement.compile(  # IN lists expanded into one parameter per value
            dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
        )
        values = compiled.construct_params(parameters)
        positional = tuple(values[name] for name in compiled.positiontup or ())
        result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", positional)
        document = result.scalar_one()
        plans.append((json.loads(document) if isinstance(document, str) else document)[0])
    return plans


def _scanned_sequentially(node: dict[str, Any]) -> set[str]:
    found = {node["Relation Name"]} if node["Node Type"] == "Seq Scan" else set()
    for child in node.get("Plans", []):
        found |= _scanned_sequentially(child)
    return found


@pytest.mark.parametrize("name", LIST_QUERIES)
async def test_a_list_query_scans_no_big_table_sequentially(
    seeded_connection: AsyncConnection, name: str
) -> None:
    plans = await _plans(seeded_connection, LIST_QUERIES[name])

    assert plans, "the repository ran no statement"
    for plan in plans:
        scanned = _scanned_sequentially(plan["Plan"]) & BIG_TABLES
        assert not scanned, f"{name}: sequential scan on {sorted(scanned)}\n{json.dumps(plan)}"
