"""What benchmarks.suite needs before it starts a server: the seeded database, fresh
sessions and passwords for this run, the scenarios' requests, the servers' settings.

The data is `benchmarks.seed`'s, seeded once into the named database and reused. Each
run then gives member 3 (org 0) a new session and a few members a known password (a
real argon2id hash at the configured costs), under a SECRET_KEY made for the run.

Who does what (see benchmarks.seed for the layout): member 3 reads space 0 (open, about
a thousandth of the posts), its post 0 (50 comments and more; member 3 wrote it, so a
comment mails no one), writes posts into space 3 (private, member 3 is in it) so that
the list read stays the same, and messages in conversation 3 (members 3 and 6).
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.clock import now
from app.core.pagination import encode_cursor
from app.core.security import csrf_token_for, new_session_token, token_hash
from app.core.settings import Settings
from app.mail.dkim_keys import generate_private_key, pkcs1_pem
from benchmarks.load import Call, Load
from benchmarks.seed import row_id

PUBLIC_HOST = "bench.example"
READER = 3  # member 3 of org 0
LOGIN_MEMBERS = range(6, 6 + 3 * 16, 3)  # 16 members of org 0 (6 to 51)
BENCH_PASSWORD = "bench-" + "correct-horse-battery"
DEEP_PAGE_OFFSET = 900
RAISED_LIMITS = {name: "1000000/minute" for name in (
    "login_ip", "post_create_user", "comment_create_user", "message_send_user",
)}  # fmt: skip


@dataclass(frozen=True)
class Run:
    """This run's secret, the reader's session and the ids its requests name."""

    secret_key: str
    session_token: str
    org_id: uuid.UUID
    user_id: uuid.UUID
    membership_id: uuid.UUID
    list_space: uuid.UUID
    write_space: uuid.UUID
    post_id: uuid.UUID
    conversation_id: uuid.UUID
    deep_after: tuple[datetime, uuid.UUID]
    login_emails: tuple[str, ...]


async def prepare(url: str) -> Run:
    secret_key = secrets.token_urlsafe(48)
    token = new_session_token()
    settings = Settings()
    hasher = PasswordHasher(time_cost=settings.argon2_time_cost,
                            memory_cost=settings.argon2_memory_kib,
                            parallelism=settings.argon2_parallelism)  # fmt: skip
    emails = tuple(f"member{n}@bench.example" for n in LOGIN_MEMBERS)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("""INSERT INTO user_sessions (id, token_hash, user_id, created_at,
                            last_seen_at, expires_at, ip, user_agent)
                        VALUES (:id, :hash, :user, :at, :at, :expires, '', '')"""),
                {"id": uuid.uuid4(), "hash": token_hash(token), "user": row_id("user", READER),
                 "at": now(), "expires": now() + timedelta(days=1)},
            )  # fmt: skip
            await connection.execute(
                text("UPDATE users SET password_hash = :hash WHERE email = ANY(:emails)"),
                {"hash": hasher.hash(BENCH_PASSWORD), "emails": list(emails)},
            )
            deep = (
                await connection.execute(
                    text("""SELECT listed_at, id FROM posts
                            WHERE space_id = :space AND status = 'published'
                            ORDER BY listed_at DESC, id DESC
                            OFFSET least(:offset, (SELECT count(*) / 2 FROM posts
                                                   WHERE space_id = :space)) LIMIT 1"""),
                    {"space": row_id("space", 0), "offset": DEEP_PAGE_OFFSET},
                )
            ).one()
    finally:
        await engine.dispose()
    return Run(
        secret_key=secret_key, session_token=token, org_id=row_id("org", 0),
        user_id=row_id("user", READER), membership_id=row_id("membership", READER),
        list_space=row_id("space", 0), write_space=row_id("space", 3),
        post_id=row_id("post", 0), conversation_id=row_id("conversation", 3),
        deep_after=(deep[0], deep[1]), login_emails=emails,
    )  # fmt: skip


def app_environment(run: Run, database_url: str) -> dict[str, str]:
    """Production settings as a deployment has them; the per-user write limits and the
    login IP limit raised (every request comes from one member on 127.0.0.1), the
    limiter itself still in the path (Redis when REDIS_URL is set)."""
    dkim_key = pkcs1_pem(generate_private_key()).decode()
    return {**os.environ, "DATABASE_URL": database_url, "ENVIRONMENT": "production",
            "SECRET_KEY": run.secret_key, "PUBLIC_URL": f"https://{PUBLIC_HOST}",
            "TRUSTED_PROXIES": "127.0.0.1/32", "SMTP_HOST": "127.0.0.1",
            "EMAIL_FROM": f"no-reply@{PUBLIC_HOST}", "EMAIL_DELIVERY": "worker",
            "DKIM_SELECTOR": "bench", "DKIM_PRIVATE_KEY": dkim_key,
            "RATE_LIMITS": json.dumps(RAISED_LIMITS),
            "RATE_LIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(4)}"}  # fmt: skip


# -- the requests -----------------------------------------------------------------------


def _app_headers(run: Run, *, signed_in: bool = True) -> dict[str, str]:
    headers = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"}
    if signed_in:
        csrf = csrf_token_for(run.session_token, run.secret_key)
        headers |= {"Cookie": f"__Host-session={run.session_token}; csrf_token={csrf}",
                    "X-CSRF-Token": csrf}  # fmt: skip
    return headers


def _json(value: dict[str, str]) -> str:
    return json.dumps(value)


POST_BODY = {"title": "A benchmark post", "body": "A paragraph of benchmark text. " * 20}
COMMENT_BODY = {"body": "A comment from the benchmark."}
MESSAGE_BODY = {"body": "A message from the benchmark."}


def app_calls(run: Run) -> dict[str, Load]:
    """Every single-route scenario against the real app."""
    h, org = _app_headers(run), f"/api/v1/orgs/{run.org_id}"
    deep_cursor = encode_cursor(run.secret_key, f"posts:{run.org_id}:{run.list_space}",
                                *run.deep_after)  # fmt: skip
    anonymous = _app_headers(run, signed_in=False)
    deep_query = urlencode({"limit": 20, "cursor": deep_cursor})
    return {
        "post list": [(1, Call("GET", f"{org}/spaces/{run.list_space}/posts?limit=20", h))],
        "post list, deep cursor": [
            (
                1,
                Call(
                    "GET",
                    f"{org}/spaces/{run.list_space}/posts?{deep_query}",
                    h,
                ),
            )
        ],
        "post with 50 comments": [
            (1, Call("GET", f"{org}/posts/{run.post_id}/comments?limit=50", h))
        ],
        "DM list": [(1, Call("GET", f"{org}/conversations?limit=20", h))],
        "/me": [(1, Call("GET", "/api/v1/me", h))],
        "create post": [
            (
                1,
                Call(
                    "POST",
                    f"{org}/spaces/{run.write_space}/posts",
                    h,
                    _json({**POST_BODY, "status": "published"}),
                ),
            )
        ],
        "create comment": [
            (1, Call("POST", f"{org}/posts/{run.post_id}/comments", h, _json(COMMENT_BODY)))
        ],
        "send message": [
            (
                1,
                Call(
                    "POST",
                    f"{org}/conversations/{run.conversation_id}/messages",
                    h,
                    _json(MESSAGE_BODY),
                ),
            )
        ],
        "login": [
            (
                1,
                Call(
                    "POST",
                    "/api/v1/auth/login",
                    anonymous,
                    _json({"email": email, "password": BENCH_PASSWORD}),
                ),
            )
            for email in run.login_emails
        ],
    }


def baseline_calls(run: Run) -> dict[str, Load]:
    """The same scenarios against benchmarks.bare_app and benchmarks.bare_core_app (the
    two answer the same paths)."""
    who = {"org_id": run.org_id, "user_id": run.user_id, "membership_id": run.membership_id}
    after = {"after_listed_at": run.deep_after[0].isoformat(), "after_id": run.deep_after[1]}

    def q(**more: object) -> str:
        return urlencode({**who, **more})

    return {
        "post list": [(1, Call("GET", f"/posts?{q(space_id=run.list_space)}"))],
        "post list, deep cursor": [
            (1, Call("GET", f"/posts?{q(space_id=run.list_space, **after)}"))
        ],
        "post with 50 comments": [
            (1, Call("GET", f"/comments?{q(post_id=run.post_id, limit=50)}"))
        ],
        "DM list": [(1, Call("GET", f"/conversations?{q()}"))],
        "/me": [(1, Call("GET", f"/me?{urlencode({'user_id': run.user_id})}"))],
        "create post": [
            (1, Call("POST", f"/posts?{q(space_id=run.write_space)}", {}, _json(POST_BODY)))
        ],
        "create comment": [
            (1, Call("POST", f"/comments?{q(post_id=run.post_id)}", {}, _json(COMMENT_BODY)))
        ],
        "send message": [
            (
                1,
                Call(
                    "POST",
                    f"/messages?{q(conversation_id=run.conversation_id)}",
                    {},
                    _json(MESSAGE_BODY),
                ),
            )
        ],
        "login": [
            (1, Call("POST", "/login", {}, _json({"email": e, "password": BENCH_PASSWORD})))
            for e in run.login_emails
        ],
    }


READS = ("post list", "post list, deep cursor", "post with 50 comments", "DM list", "/me")
WRITES = ("create post", "create comment", "send message")
AUTH = ("login",)


def launch_morning(calls: dict[str, Load]) -> Load:
    """80% reads, 15% writes, 5% logins, each share split evenly over its routes."""
    mix: list[tuple[float, Call]] = []
    for names, share in ((READS, 80.0), (WRITES, 15.0), (AUTH, 5.0)):
        for name in names:
            load = calls[name]
            mix += [(share / len(names) / len(load), call) for _, call in load]
    return mix
