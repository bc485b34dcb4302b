# ruff: noqa: S608  (SQL built from this module's own integers and names, never from input)
"""Realistic data for the benchmarks, in bulk: set-based INSERT ... SELECT generate_series.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
        uv run python -m benchmarks.seed [--database rt_bench_seeded] [--scale 1.0]

At `Scale.issue()` (issue 17): 5,000 members in 3 orgs, 200 spaces (open, private and
paid in turn), 200,000 posts, 1,000,000 comments, 50,000 two-person conversations with
their messages, invites and audit events. Every row's id is derived from its number
(`md5(kind || n)::uuid`), so rows refer to each other without lookups and a benchmark
can name "member 0", "space 0" or "post 0" without asking the database.

Rows are laid out so that:
- member n belongs to org n % 3; members 0-2 own their org, the others are members
  with an active payment (so paid spaces open to them);
- space s belongs to org s % 3 and is open, private or paid by (s // 3) % 3; member n
  is in the spaces of its org whose index is n, n+1, ..., n+4 (mod the org's count);
- posts are spread evenly over the spaces (19 in 20 published); post p < `hot_posts`
  has 50 extra comments, the rest of the comments are spread evenly;
- conversation i is between two members of org i % 3, the first one being member
  (i % 3) + 3 * (i % 100): so member 0 has many conversations.

`ensure_seeded` seeds a database once and reuses it: the `bench_seed` table records the
seed version and scale, and a database with the same record is left as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import time
import uuid
from dataclasses import asdict, dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from app.core.migrations import upgrade
from tools.ci_database import run_admin

SEED_VERSION = 1
ORGS = 3
SPACES_PER_MEMBER = 5
HOT_POST_COMMENTS = 50
DM_PARTNERS = 100  # member (i % 3) + 3 * (i % 100) starts conversation i


@dataclass(frozen=True)
class Scale:
    members: int
    spaces: int
    posts: int
    comments: int
    conversations: int
    messages_per_conversation: int
    hot_posts: int
    invites: int
    audit_events: int

    @classmethod
    def issue(cls) -> Scale:
        return cls(5000, 200, 200_000, 1_000_000, 50_000, 4, 2000, 3000, 60_000)

    @classmethod
    def explain(cls) -> Scale:
        """Big enough that the planner would scan a table without its index."""
        return cls(6000, 30, 30_000, 60_000, 6000, 5, 30, 3000, 30_000)

    @classmethod
    def tiny(cls) -> Scale:
        return cls(60, 9, 600, 1800, 120, 2, 3, 30, 60)

    def spaces_per_org(self) -> int:
        return self.spaces // ORGS

    def members_per_org(self) -> int:
        return self.members // ORGS


def uid(kind: str, number: str) -> str:
    """The SQL for the id of row `number` of `kind` (a column expression or a literal)."""
    return f"md5('{kind}' || ({number})::text)::uuid"


def row_id(kind: str, n: int) -> uuid.UUID:
    """The id `uid` gives row `n` of `kind`, computed here."""
    return uuid.UUID(hashlib.md5(f"{kind}{n}".encode()).hexdigest())  # noqa: S324 (an id, not a secret)


def _space_of(org: str, index: str, scale: Scale) -> str:
    """The number of the org's `index`-th space."""
    return f"(({org}) + {ORGS} * (({index}) % {scale.spaces_per_org()}))"


def _member_of(org: str, index: str, scale: Scale) -> str:
    return f"(({org}) + {ORGS} * (({index}) % {scale.members_per_org()}))"


EPOCH = "timestamptz '2026-01-01 00:00:00+00'"


def statements(scale: Scale) -> list[str]:
    s, m = scale, scale.members_per_org()
    post_space = _space_of("p % 3", "p / 3", s)
    post_author = _member_of("p % 3", "p * 7 + 1", s)
    conv_first = _member_of("i % 3", f"(i / 3) % {DM_PARTNERS}", s)
    conv_second = _member_of("i % 3", f"(i / 3) % {DM_PARTNERS} + 1 + (i / {3 * DM_PARTNERS})", s)
    return [
        f"""INSERT INTO orgs (id, name, slug, created_at)
            SELECT {uid("org", "o")}, 'Org ' || o, 'bench-org-' || o, {EPOCH}
            FROM generate_series(0, {ORGS - 1}) o""",
        f"""INSERT INTO users (id, email, password_hash, display_name, bio, email_verified_at,
                               password_changed_at, created_at)
            SELECT {uid("user", "n")}, 'member' || n || '@bench.example', 'unusable',
                   'Member ' || n, '', {EPOCH}, {EPOCH}, {EPOCH}
            FROM generate_series(0, {s.members - 1}) n""",
        f"""INSERT INTO memberships (id, org_id, user_id, role, payment_status, joined_at)
            SELECT {uid("membership", "n")}, {uid("org", "n % 3")}, {uid("user", "n")},
                   CASE WHEN n < 3 THEN 'owner' ELSE 'member' END,
                   CASE WHEN n < 3 THEN 'none' ELSE 'active' END,
                   {EPOCH} + n * interval '1 second'
            FROM generate_series(0, {s.members - 1}) n""",
        f"""INSERT INTO spaces (id, org_id, name, description, visibility, created_by, created_at)
            SELECT {uid("space", "sp")}, {uid("org", "sp % 3")}, 'Space ' || sp, '',
                   (ARRAY['open', 'private', 'paid'])[(sp / 3) % 3 + 1], {uid("user", "sp % 3")},
                   {EPOCH} + sp * interval '1 second'
            FROM generate_series(0, {s.spaces - 1}) sp""",
        f"""INSERT INTO space_memberships (id, space_id, org_id, user_id, added_at)
            SELECT {uid("space_membership", f"n * {SPACES_PER_MEMBER} + j")},
                   {uid("space", _space_of("n % 3", "n / 3 + j", s))}, {uid("org", "n % 3")},
                   {uid("user", "n")}, {EPOCH} + n * interval '1 second'
            FROM generate_series(0, {m * ORGS - 1}) n,
                 generate_series(0, {min(SPACES_PER_MEMBER, s.spaces_per_org()) - 1}) j""",
        f"""INSERT INTO posts (id, org_id, space_id, author_id, title, body, status, created_at,
                               listed_at)
            SELECT {uid("post", "p")}, {uid("org", "p % 3")}, {uid("space", post_space)},
                   {uid("user", post_author)}, 'Post ' || p,
                   repeat('A paragraph of benchmark text. ', 20),
                   CASE WHEN p % 20 = 19 THEN 'draft' ELSE 'published' END,
                   {EPOCH} + p * interval '1 second', {EPOCH} + p * interval '1 second'
            FROM generate_series(0, {s.posts - 1}) p""",
        _comments(s, hot=True),
        _comments(s, hot=False),
        f"""INSERT INTO conversations (id, org_id, participant_key, created_at, last_message_at)
            SELECT {uid("conversation", "i")}, {uid("org", "i % 3")}, md5('key' || i),
                   {EPOCH} + i * interval '1 second', {EPOCH} + i * interval '1 second'
            FROM generate_series(0, {s.conversations - 1}) i""",
        f"""INSERT INTO conversation_participants (id, org_id, conversation_id, user_id,
                                                   membership_id, added_at)
            SELECT {uid("participant", "i * 2 + k")}, {uid("org", "i % 3")},
                   {uid("conversation", "i")},
                   {uid("user", f"CASE k WHEN 0 THEN {conv_first} ELSE {conv_second} END")},
                   {uid("membership", f"CASE k WHEN 0 THEN {conv_first} ELSE {conv_second} END")},
                   {EPOCH}
            FROM generate_series(0, {s.conversations - 1}) i, generate_series(0, 1) k""",
        f"""INSERT INTO messages (id, org_id, conversation_id, sender_id, body, created_at)
            SELECT {uid("message", f"i * {s.messages_per_conversation} + k")},
                   {uid("org", "i % 3")}, {uid("conversation", "i")},
                   {uid("user", conv_first)}, 'A message.',
                   {EPOCH} + i * interval '1 second' + k * interval '1 millisecond'
            FROM generate_series(0, {s.conversations - 1}) i,
                 generate_series(0, {s.messages_per_conversation - 1}) k""",
        f"""INSERT INTO invites (id, org_id, email, role, space_ids, invited_by, created_at,
                                 expires_at)
            SELECT {uid("invite", "v")}, {uid("org", "v % 3")}, 'invitee' || v || '@bench.example',
                   'member', '[]', {uid("user", "v % 3")}, now() - v * interval '1 second',
                   now() + interval '7 days'
            FROM generate_series(0, {s.invites - 1}) v""",
        f"""INSERT INTO audit_events (id, org_id, action, actor_user_id, ip, details, created_at)
            SELECT {uid("audit", "a")}, {uid("org", "a % 3")}, 'bench.event',
                   {uid("user", "a % 3")}, '127.0.0.1', '{{}}', {EPOCH} + a * interval '1 second'
            FROM generate_series(0, {s.audit_events - 1}) a""",
    ]


def _comments(scale: Scale, *, hot: bool) -> str:
    """The hot posts' 50 comments each, or the rest spread evenly over every post."""
    count = scale.hot_posts * HOT_POST_COMMENTS if hot else scale.comments
    offset = 0 if hot else scale.hot_posts * HOT_POST_COMMENTS
    post = f"(c % {scale.hot_posts})" if hot else f"(c % {scale.posts})"
    count = min(count, scale.comments) if hot else max(0, scale.comments - offset)
    return f"""INSERT INTO comments (id, org_id, post_id, author_id, body, created_at)
        SELECT {uid("comment", f"c + {offset}")}, {uid("org", f"{post} % 3")},
               {uid("post", post)}, {uid("user", _member_of(f"{post} % 3", "c", scale))},
               'A comment on the post.', {EPOCH} + (c + {offset}) * interval '1 second'
        FROM generate_series(0, {count - 1}) c"""


MARKER_TABLE = "bench_seed"


async def _marker(connection: AsyncConnection) -> str | None:
    exists = await connection.scalar(text(f"SELECT to_regclass('{MARKER_TABLE}') IS NOT NULL"))
    if not exists:
        return None
    return await connection.scalar(text(f"SELECT description FROM {MARKER_TABLE}"))  # type: ignore[no-any-return]


def _description(scale: Scale) -> str:
    return f"v{SEED_VERSION} {sorted(asdict(scale).items())}"


async def seed(url: str, scale: Scale) -> None:
    """Seed a migrated, empty database (one transaction), then ANALYZE it."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in statements(scale):
                await connection.execute(text(statement))
            await connection.execute(text(f"CREATE TABLE {MARKER_TABLE} (description text)"))
            await connection.execute(
                text(f"INSERT INTO {MARKER_TABLE} VALUES (:d)"), {"d": _description(scale)}
            )
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def is_seeded(url: str, scale: Scale) -> bool:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await _marker(connection) == _description(scale)
    except Exception:
        return False
    finally:
        await engine.dispose()


def ensure_seeded(url: str, scale: Scale) -> bool:
    """Make `url` a database seeded at `scale`, unless it already is; True if it seeded."""
    if asyncio.run(is_seeded(url, scale)):
        return False
    asyncio.run(run_admin("drop", url))
    asyncio.run(run_admin("create", url))
    upgrade(url)
    asyncio.run(seed(url, scale))
    return True


def seeded_url(base_url: str, database: str) -> str:
    return make_url(base_url).set(database=database).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="rt_bench_seeded")
    parser.add_argument("--tiny", action="store_true", help="the smoke test's size")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (postgresql+asyncpg://...)")
    url = seeded_url(os.environ["DATABASE_URL"], args.database)
    started = time.monotonic()
    seeded = ensure_seeded(url, Scale.tiny() if args.tiny else Scale.issue())
    verb = "seeded" if seeded else "already seeded"
    print(f"{args.database}: {verb} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
