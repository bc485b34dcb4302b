"""Every issue-17 scenario in one command, against PostgreSQL and Redis.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/5 uv run python -m benchmarks.suite \\
        [--small] [--seconds 8] [--workers 1 2] [--database rt_bench_seeded]

Seeds `--database` once at the issue's size (benchmarks.seed: 5,000 members in 3 orgs,
200 spaces, 200,000 posts, 1,000,000 comments, 50,000 conversations) and reuses it when
its seed record matches (`--small`: tiny data, in `<database>_small`). Per run it gives
`--members` members a session and a known password, then per worker count starts the
real app (`python -m app serve`, production settings, no proxy in front: the proxy's
`X-Forwarded-Proto` header is sent by the client) and the two post-list baselines
(`benchmarks.bare_list_app`: FastAPI + ORM session, same statement;
`benchmarks.bare_core_app`: Core on an AsyncConnection, dict rows).

Each scenario gets a closed-loop peak (wrk, 32 connections, Lua rotating over the
members' cookies and CSRF headers) and latency at a fixed arrival rate (open loop):
half the bare peak for the post list, half its own peak for the other reads and the
writes, `--login-rate` for login, `--mix-rate` for the launch-morning mix, and for
the login flood the post list at half the bare peak while wrk floods logins. The
rate limiter runs (Redis) with every limit raised out of the way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.clock import now
from app.core.migrations import PROJECT_ROOT
from app.core.ratelimit_defaults import DEFAULT_RATE_LIMITS
from app.core.security import csrf_token_for, new_session_token, token_hash
from app.core.settings import Settings
from app.mail.dkim_keys import generate_private_key, pkcs1_pem
from benchmarks import load
from benchmarks.load import Outcome, Request
from benchmarks.seed import Scale, ensure_seeded, row_id, seeded_url

HOST = "bench.example"
ORIGIN = f"https://{HOST}"
PASSWORD = "launch morning bench passphrase"  # noqa: S105 (a benchmark member's, made here)
DEEP_PAGE = 25


@dataclass
class Member:
    number: int
    org_id: uuid.UUID
    token: str
    csrf: str
    space_id: uuid.UUID
    post_id: uuid.UUID
    conversation_id: uuid.UUID
    deep_cursor: str | None = None
    deep_after: tuple[str, str] | None = None

    @property
    def email(self) -> str:
        return f"member{self.number}@bench.example"

    def headers(self, *, unsafe: bool = False) -> dict[str, str]:
        headers = {"Host": HOST, "X-Forwarded-Proto": "https",
                   "Cookie": f"__Host-session={self.token}; csrf_token={self.csrf}"}  # fmt: skip
        if unsafe:
            headers |= {"X-CSRF-Token": self.csrf, "Origin": ORIGIN}
        return headers


async def prepare_members(url: str, count: int, secret_key: str) -> list[Member]:
    """Sessions and a known password for members 3 .. 3 + count (never the owners)."""
    settings = Settings()
    hasher = PasswordHasher(time_cost=settings.argon2_time_cost,
                            memory_cost=settings.argon2_memory_kib,
                            parallelism=settings.argon2_parallelism)  # fmt: skip
    password_hash = hasher.hash(PASSWORD)
    engine = create_async_engine(url)
    members = []
    async with engine.begin() as connection:
        for number in range(3, 3 + count):
            user_id, token = row_id("user", number), new_session_token()
            await connection.execute(
                text("UPDATE users SET password_hash = :h WHERE id = :u"),
                {"h": password_hash, "u": user_id},
            )
            await connection.execute(
                text("INSERT INTO user_sessions (id, token_hash, user_id, created_at, "
                     "last_seen_at, expires_at, ip, user_agent) VALUES (:i, :t, :u, :n, :n, "
                     ":e, '', '')"),
                {"i": uuid.uuid4(), "t": token_hash(token), "u": user_id, "n": now(),
                 "e": now() + timedelta(days=1)},
            )  # fmt: skip
            space, post, conversation = await _member_objects(connection, user_id)
            csrf = csrf_token_for(token, secret_key)
            org = row_id("org", number % 3)
            members.append(Member(number, org, token, csrf, space, post, conversation))
    await engine.dispose()
    return members


async def _member_objects(connection: object, user_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    """A space of the member, its most commented published post, a conversation."""
    run = connection.execute  # type: ignore[attr-defined]
    space = (await run(text("SELECT space_id FROM space_memberships WHERE user_id = :u "
                            "ORDER BY space_id LIMIT 1"), {"u": user_id})).scalar_one()  # fmt: skip
    post = (await run(text(
        "SELECT p.id FROM posts p WHERE p.space_id = :s AND p.status = 'published' ORDER BY "
        "(SELECT count(*) FROM comments c WHERE c.post_id = p.id) DESC, p.id LIMIT 1"
    ), {"s": space})).scalar_one()  # fmt: skip
    conversation = (await run(text("SELECT conversation_id FROM conversation_participants "
                                   "WHERE user_id = :u ORDER BY conversation_id LIMIT 1"),
                              {"u": user_id})).scalar_one()  # fmt: skip
    return space, post, conversation


def find_deep_pages(port: int, members: list[Member]) -> None:
    """Follow each member's post list DEEP_PAGE pages down (or to its last page)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for member in members:
            path = f"/api/v1/orgs/{member.org_id}/spaces/{member.space_id}/posts?limit=20"
            cursor = None
            for _ in range(DEEP_PAGE):
                query = f"&cursor={cursor}" if cursor else ""
                page = client.get(path + query, headers=member.headers()).raise_for_status()
                body = page.json()
                if body["next_cursor"] is None:
                    break
                cursor, last = body["next_cursor"], body["items"][-1]
                member.deep_cursor, member.deep_after = cursor, (last["listed_at"], last["id"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(command: list[str], env: dict[str, str]) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
        [sys.executable, *command, "--port", str(port)], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"{command} did not start") from None
                time.sleep(0.2)
        time.sleep(0.5 if "--workers" not in command else 1.5)  # let every worker bind
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def app_command(workers: int) -> list[str]:
    return ["-m", "app", "serve", "--host", "127.0.0.1", "--workers", str(workers)]


def bare_command(module: str, workers: int) -> list[str]:
    return ["-m", "uvicorn", f"{module}:app", "--host", "127.0.0.1", "--no-access-log",
            "--log-level", "warning", "--workers", str(workers)]  # fmt: skip


def production_env(url: str, secret_key: str) -> dict[str, str]:
    raised = {name: "1000000/minute" for name in DEFAULT_RATE_LIMITS}
    return {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "production",
            "SECRET_KEY": secret_key, "PUBLIC_URL": ORIGIN, "TRUSTED_PROXIES": "127.0.0.1/32",
            "SMTP_HOST": "127.0.0.1", "EMAIL_FROM": f"no-reply@{HOST}",
            "EMAIL_DELIVERY": "worker", "DKIM_SELECTOR": "bench",
            "DKIM_PRIVATE_KEY": pkcs1_pem(generate_private_key()).decode(),
            "RATE_LIMITS": json.dumps(raised), "LOG_LEVEL": "WARNING",
            "RATE_LIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(4)}"}  # fmt: skip


# Requests of each scenario, one per member (the load rotates over them).
def list_first(m: Member) -> Request:
    return Request("GET", f"/api/v1/orgs/{m.org_id}/spaces/{m.space_id}/posts?limit=20",
                   m.headers())  # fmt: skip


def list_deep(m: Member) -> Request:
    cursor = f"&cursor={m.deep_cursor}" if m.deep_cursor else ""
    return Request("GET", list_first(m).path + cursor, m.headers())


def post_comments(m: Member) -> Request:
    return Request("GET", f"/api/v1/orgs/{m.org_id}/posts/{m.post_id}/comments?limit=50",
                   m.headers())  # fmt: skip


def dm_list(m: Member) -> Request:
    return Request("GET", f"/api/v1/orgs/{m.org_id}/conversations?limit=20", m.headers())


def me(m: Member) -> Request:
    return Request("GET", "/api/v1/me", m.headers())


def create_post(m: Member) -> Request:
    body = {"title": "Launch morning", "body": "A new post. " * 20, "status": "published"}
    return Request("POST", f"/api/v1/orgs/{m.org_id}/spaces/{m.space_id}/posts",
                   m.headers(unsafe=True), json.dumps(body))  # fmt: skip


def create_comment(m: Member) -> Request:
    return Request("POST", f"/api/v1/orgs/{m.org_id}/posts/{m.post_id}/comments",
                   m.headers(unsafe=True), json.dumps({"body": "Welcome in!"}))  # fmt: skip


def send_message(m: Member) -> Request:
    path = f"/api/v1/orgs/{m.org_id}/conversations/{m.conversation_id}/messages"
    return Request("POST", path, m.headers(unsafe=True), json.dumps({"body": "Hello there"}))


def login(m: Member) -> Request:
    body = json.dumps({"email": m.email, "password": PASSWORD})
    return Request("POST", "/api/v1/auth/login", {"Host": HOST, "X-Forwarded-Proto": "https",
                                                  "Origin": ORIGIN}, body)  # fmt: skip


def bare_list(m: Member, *, deep: bool) -> Request:
    path = f"/posts?org_id={m.org_id}&space_id={m.space_id}&limit=20"
    if deep and m.deep_after:
        path += f"&after_listed_at={m.deep_after[0]}&after_id={m.deep_after[1]}"
    return Request("GET", path.replace("+", "%2B"), {"Host": "127.0.0.1"})


READS: list[Callable[[Member], Request]] = [list_first, list_deep, post_comments, dm_list, me]
WRITES: list[Callable[[Member], Request]] = [create_post, create_comment, send_message]


OTHER_SCENARIOS: list[tuple[str, Callable[[Member], Request]]] = [
    ("post + 50 comments", post_comments),
    ("DM list", dm_list),
    ("/me", me),
    ("create post", create_post),
    ("create comment", create_comment),
    ("send message", send_message),
]


def mix(members: list[Member]) -> list[Request]:
    """80% reads, 15% writes, 5% logins, shuffled the same way every run."""
    shares: list[tuple[list[Callable[[Member], Request]], int]] = [
        (READS, 80),
        (WRITES, 15),
        ([login], 5),
    ]
    requests = [kinds[i % len(kinds)](members[i % len(members)])
                for kinds, share in shares for i in range(share)]  # fmt: skip
    random.Random(17).shuffle(requests)  # noqa: S311 (an order, not a secret)
    return requests


@dataclass
class Row:
    scenario: str
    server: str
    workers: int
    peak: Outcome
    latency: Outcome
    rate: float
    baseline: str | None = None


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows: list[Row] = []

    def peak(self, port: int, requests: list[Request], connections: int = 32) -> Outcome:
        if self.args.client == "wrk":
            return load.wrk(port, requests, self.args.seconds, connections)
        return asyncio.run(load.closed_loop(port, requests, self.args.seconds, connections))

    def latency(self, port: int, requests: list[Request], rate: float) -> Outcome:
        return asyncio.run(load.open_loop(port, requests, max(rate, 1.0), self.args.seconds))

    def scenario(self, name: str, server: str, workers: int, port: int,
                 requests: list[Request], rate: float | None = None,
                 baseline: str | None = None) -> Row:  # fmt: skip
        self.peak(port, requests[:1], 8) if not self.rows else None  # warm-up
        peak = self.peak(port, requests)
        chosen = rate if rate is not None else peak.rps / 2
        row = Row(name, server, workers, peak, self.latency(port, requests, chosen), chosen,
                  baseline)  # fmt: skip
        self.rows.append(row)
        return row

    def flood(self, name: str, workers: int, port: int, reads: list[Request],
              logins: list[Request], rate: float) -> None:  # fmt: skip
        with ThreadPoolExecutor(1) as pool:
            flooding = pool.submit(self.peak, port, logins, 8)
            time.sleep(0.5)
            latency = self.latency(port, reads, rate)
            logins_seen = flooding.result()
        self.rows.append(Row(name, "app", workers, logins_seen, latency, rate))


def run_workers(runner: Runner, workers: int, members: list[Member], env: dict[str, str]) -> None:
    bare_peaks: dict[str, float] = {}
    for module, label in (("benchmarks.bare_list_app", "bare"),
                          ("benchmarks.bare_core_app", "core")):  # fmt: skip
        with server(bare_command(module, workers), env) as port:
            for deep, name in ((False, "post list, first page"), (True, "post list, deep page")):
                row = runner.scenario(name, label, workers, port,
                                      [bare_list(m, deep=deep) for m in members])  # fmt: skip
                bare_peaks.setdefault(name, row.peak.rps)
    with server(app_command(workers), env) as port:
        if members[0].deep_cursor is None:
            find_deep_pages(port, members)
        for name, build in (("post list, first page", list_first),
                            ("post list, deep page", list_deep)):  # fmt: skip
            runner.scenario(name, "app", workers, port, [build(m) for m in members],
                            bare_peaks[name] / 2, baseline="bare")  # fmt: skip
        for name, other in OTHER_SCENARIOS:
            runner.scenario(name, "app", workers, port, [other(m) for m in members])
        logins = [login(m) for m in members]
        runner.scenario("login", "app", workers, port, logins, runner.args.login_rate)
        runner.scenario("launch-morning mix", "app", workers, port, mix(members),
                        runner.args.mix_rate)  # fmt: skip
        runner.flood("login flood: list p95 beside", workers, port,
                     [list_first(m) for m in members], logins,
                     bare_peaks["post list, first page"] / 2)  # fmt: skip


def report(rows: list[Row]) -> None:
    peaks = {(r.scenario, r.server, r.workers): r.peak.rps for r in rows}
    print(
        "| scenario | server | workers | peak req/s | x baseline | x core | rate req/s "
        "| p50 ms | p95 ms | p99 ms | 5xx | other non-2xx |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = core = "-"
        if r.baseline:
            ratio = f"{r.peak.rps / peaks[(r.scenario, r.baseline, r.workers)]:.2f}"
            core = f"{r.peak.rps / peaks[(r.scenario, 'core', r.workers)]:.2f}"
        both = r.peak.statuses + r.latency.statuses
        errors = sum(c for s, c in both.items() if 500 <= s < 599)
        other = sum(c for s, c in both.items() if s >= 300) - errors
        print(
            f"| {r.scenario} | {r.server} | {r.workers} | {r.peak.rps:.0f} | {ratio} | {core} "
            f"| {r.rate:.0f} | {r.latency.percentile_ms(0.5):.1f} "
            f"| {r.latency.percentile_ms(0.95):.1f} | {r.latency.percentile_ms(0.99):.1f} "
            f"| {errors} | {other} |"
        )
    workers = sorted({r.workers for r in rows})
    if 1 in workers and 2 in workers:
        one, two = (peaks[("post list, first page", "app", w)] for w in (1, 2))
        print(f"\npost list, app 1 -> 2 workers: x{two / one:.2f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="tiny data (the smoke test's)")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database", default="rt_bench_seeded")
    parser.add_argument("--members", type=int, default=48)
    parser.add_argument("--login-rate", type=float, default=20)
    parser.add_argument("--mix-rate", type=float, default=200)
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.client == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk), or use --client python")
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (postgresql+asyncpg://...)")
    database = f"{args.database}_small" if args.small else args.database
    url = seeded_url(os.environ["DATABASE_URL"], database)
    started = time.monotonic()
    seeded = ensure_seeded(url, Scale.tiny() if args.small else Scale.issue())
    print(f"{database}: {'seeded' if seeded else 'reused'} ({time.monotonic() - started:.0f} s)")
    secret_key = secrets.token_urlsafe(48)
    members = asyncio.run(prepare_members(url, args.members, secret_key))
    runner = Runner(args)
    env = production_env(url, secret_key)
    for workers in args.workers:
        run_workers(runner, workers, members, env)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report(runner.rows)


if __name__ == "__main__":
    main()
