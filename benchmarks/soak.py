"""A steady launch-morning load for minutes, watching for what only time shows (issue 19).

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 uv run python -m benchmarks.soak --minutes 5 --rate 50

Makes a scratch database next to the one DATABASE_URL names (dropped at the end), seeds a
small org (an author and a commenter, both with a password, an open space, 50 posts),
starts an SMTP sink, `python -m app serve --workers 2` with production settings behind a
trusted TLS proxy (rate limits on, in Redis, raised for the two soak accounts' writes and
logins) and `python -m app worker` for mail. It then sends an open-loop mix at a fixed
rate (each request leaves at its scheduled time whether or not the last was answered;
latency counts from that time): 80% reads (post list, one post, its comments, my orgs),
15% writes (a comment by the commenter, which mails the author, or a post by the author),
5% password logins.

It prints one row per minute (requests, 5xx, 503, p50, p95), the RSS of each serve worker
at start, after warm-up (the first fifth, at most a minute) and at the end (growth must
stay under 10%), the database pool's checked-out connections once the load stopped (from
/metrics, should be 0), the outbox's pending mail (waits up to 60 s for the worker to
drain it), and every `database_unavailable` the server logged, by exception type
(AdmissionTimeout: the request waited past DATABASE_POOL_TIMEOUT_SECONDS for a place in
the fair queue; TimeoutError: the pool itself; others: connect or statement trouble).
Exits 1 when a check fails. `--minutes 0.1 --bucket-seconds 2` is the smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User, UserSession
from app.accounts.passwords import PasswordHashing
from app.authz.permissions import Role
from app.core.clock import now
from app.core.database import Database
from app.core.migrations import PROJECT_ROOT, upgrade
from app.core.security import csrf_token_for, new_session_token, token_hash
from app.core.settings import Settings
from app.mail.dkim_keys import generate_private_key, pkcs1_pem
from app.orgs.models import Membership, Org
from app.posts.models import Post, PostStatus
from app.spaces.models import Space
from benchmarks.list_read import PUBLIC_HOST, free_port, percentile
from tests.support.smtp_sink import SmtpSink
from tools.ci_database import run_admin

MAX_RSS_GROWTH = 0.10
DRAIN_SECONDS = 60
PASSWORD = secrets.token_urlsafe(16)
RAISED_LIMITS = {"login_ip": "100000/minute", "post_create_user": "100000/hour",
                 "comment_create_user": "100000/hour"}  # fmt: skip


@dataclass(frozen=True)
class Person:
    email: str
    session_token: str
    csrf: str


@dataclass(frozen=True)
class World:
    org_id: uuid.UUID
    space_id: uuid.UUID
    post_ids: list[uuid.UUID]
    author: Person
    commenter: Person


async def seed(settings: Settings) -> World:
    database = Database(settings)
    password_hash = await PasswordHashing(settings).hash(PASSWORD)
    org_id, space_id = uuid.uuid4(), uuid.uuid4()
    people = []
    async with database.sessionmaker() as db:
        db.add(Org(id=org_id, name="Soak", slug="soak"))
        db.add(Space(id=space_id, org_id=org_id, name="Open", visibility="open"))
        for name in ("author", "commenter"):
            people.append(await _person(db, settings, name, org_id, password_hash))
        post_ids = [_post(db, org_id, space_id, people[0][1], index) for index in range(50)]
        await db.commit()
    await database.dispose()
    return World(org_id, space_id, post_ids, people[0][0], people[1][0])


async def _person(
    db: AsyncSession, settings: Settings, name: str, org_id: uuid.UUID, password_hash: str
) -> tuple[Person, uuid.UUID]:
    user_id, token = uuid.uuid4(), new_session_token()
    email = f"soak-{name}@{PUBLIC_HOST}"
    db.add(User(id=user_id, email=email, password_hash=password_hash,
                display_name=name.title(), email_verified_at=now()))  # fmt: skip
    await db.flush()
    db.add(Membership(org_id=org_id, user_id=user_id, role=Role.MEMBER))
    db.add(UserSession(token_hash=token_hash(token), user_id=user_id,
                       expires_at=now() + timedelta(days=1)))  # fmt: skip
    await db.flush()
    csrf = csrf_token_for(token, settings.signing_key())
    return Person(email, token, csrf), user_id


def _post(
    db: AsyncSession, org_id: uuid.UUID, space_id: uuid.UUID, author: uuid.UUID, n: int
) -> uuid.UUID:
    moment = now() - timedelta(minutes=n)
    post = Post(id=uuid.uuid4(), org_id=org_id, space_id=space_id, author_id=author,
                title=f"Post {n}", body="A paragraph of text. " * 40,
                status=PostStatus.PUBLISHED, created_at=moment, listed_at=moment)  # fmt: skip
    db.add(post)
    return post.id


def production_env(database_url: str, smtp_port: int) -> dict[str, str]:
    dkim_key = pkcs1_pem(generate_private_key()).decode()
    return {**os.environ, "DATABASE_URL": database_url, "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(48), "PUBLIC_URL": f"https://{PUBLIC_HOST}",
            "TRUSTED_PROXIES": "127.0.0.1/32", "METRICS_ALLOWED": "127.0.0.1/32",
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_STARTTLS": "false",
            "EMAIL_FROM": f"no-reply@{PUBLIC_HOST}", "EMAIL_DELIVERY": "worker",
            "DKIM_SELECTOR": "soak", "DKIM_PRIVATE_KEY": dkim_key,
            "RATE_LIMITS": json.dumps(RAISED_LIMITS), "RATE_LIMIT_KEY_PREFIX":
            f"soak-{secrets.token_hex(4)}", "LOG_LEVEL": "WARNING"}  # fmt: skip


@contextmanager
def processes(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`serve --workers 2` and the mail worker; yields the serve process."""
    serve = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "2"]  # fmt: skip
    worker = [sys.executable, "-m", "app", "worker"]
    with log.open("ab") as output:
        started = [_start(command, env, output) for command in (serve, worker)]
    try:
        _wait_until_answering(started[0], port)
        yield started[0]
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)


def _start(command: list[str], env: dict[str, str], output: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
        command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
    )


STARTUP_SECONDS = 180  # a loaded 2-core machine takes 15 s just to import the app


def _wait_until_answering(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("serve exited at start; see its log")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"serve did not answer /healthz within {STARTUP_SECONDS} s")


def worker_rss_kib(serve: subprocess.Popen[bytes]) -> dict[int, int]:
    """RSS of each serve worker (the children running the app, not multiprocessing's
    resource tracker), by pid."""
    children = Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text().split()
    sizes = {}
    for pid in map(int, children):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if b"resource_tracker" in cmdline:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if match:
            sizes[pid] = int(match.group(1))
    return sizes


@dataclass
class Bucket:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


class Load:
    """The open-loop mix against one server."""

    def __init__(self, port: int, world: World, rate: float, bucket_seconds: float) -> None:
        self.world, self.rate, self.bucket_seconds = world, rate, bucket_seconds
        self.base = f"http://127.0.0.1:{port}"
        self.buckets: dict[int, Bucket] = {}
        self.random = random.Random(20261207)  # noqa: S311 (a load mix, not a secret)

    def _headers(self, person: Person | None) -> dict[str, str]:
        headers = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https",
                   "Origin": f"https://{PUBLIC_HOST}"}  # fmt: skip
        if person is not None:
            headers["Cookie"] = f"__Host-session={person.session_token}"
            headers["X-CSRF-Token"] = person.csrf
        return headers

    def _request(self) -> tuple[str, str, Person | None, object]:
        w, draw = self.world, self.random.random()
        org = f"/api/v1/orgs/{w.org_id}"
        post = self.random.choice(w.post_ids)
        if draw < 0.80:
            reads = [f"{org}/spaces/{w.space_id}/posts?limit=20", f"{org}/posts/{post}",
                     f"{org}/posts/{post}/comments?limit=20", "/api/v1/me/orgs"]  # fmt: skip
            return "GET", reads[int(draw / 0.20)], w.commenter, None
        if draw < 0.95:
            if draw < 0.90:
                body = {"body": "A comment from the soak."}
                return "POST", f"{org}/posts/{post}/comments", w.commenter, body
            body = {"title": "A soak post", "body": "Written by the soak.", "status": "published"}
            return "POST", f"{org}/spaces/{w.space_id}/posts", w.author, body
        return "POST", "/api/v1/auth/login", None, {"email": w.author.email, "password": PASSWORD}

    async def _one(self, client: httpx.AsyncClient, scheduled: float, started: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, scheduled - loop.time()))
        method, path, person, body = self._request()
        try:
            response = await client.request(method, path, json=body, headers=self._headers(person))
            status = response.status_code
        except httpx.HTTPError:
            status = 599  # no answer (counted with the 5xx)
        bucket = self.buckets.setdefault(int((scheduled - started) / self.bucket_seconds), Bucket())
        bucket.statuses[status] += 1
        bucket.latencies.append(loop.time() - scheduled)

    async def run(self, seconds: float, on_warm: Callable[[], None]) -> None:
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=self.base, limits=limits, timeout=30) as client:
            loop = asyncio.get_running_loop()
            started = loop.time() + 0.2
            count = int(seconds * self.rate)
            warm_at = started + min(60.0, seconds / 5)
            tasks = [asyncio.create_task(self._one(client, started + i / self.rate, started))
                     for i in range(count)]  # fmt: skip
            await asyncio.sleep(max(0.0, warm_at - loop.time()))
            on_warm()
            await asyncio.gather(*tasks)


def metric(text: str, name: str) -> list[float]:
    return [float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)]


def scrape(port: int) -> str:
    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text


def drained_outbox(port: int) -> float:
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        pending = [
            float(m.group(1))
            for m in re.finditer(
                r'^roundtable_mail_outbox{status="pending"} (\S+)$', scrape(port), re.M
            )
        ]
        depth = max(pending, default=0.0)
        if depth == 0 or time.monotonic() > deadline:
            return depth
        time.sleep(1)


def server_counts(text: str) -> dict[str, int]:
    """roundtable_http_requests_total summed by status, API routes only: what the server
    answered, against what the client counted (a starved client adds its own delay)."""
    counted: Counter[str] = Counter()
    pattern = r"^roundtable_http_requests_total{([^}]*)} (\S+)$"
    for labels, value in re.findall(pattern, text, re.M):
        status = re.search(r'status="(\d+)"', labels)
        if status and 'route="/api/' in labels:
            counted[status.group(1)] += int(float(value))
    return dict(sorted(counted.items()))


def unavailable_by_type(log: Path) -> Counter[str]:
    counted: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        if '"database_unavailable"' in line:
            try:
                counted[json.loads(line).get("exc_type", "?")] += 1
            except json.JSONDecodeError:
                counted["?"] += 1
    return counted


def report_table(load: Load) -> bool:
    unit = "minute" if load.bucket_seconds == 60 else f"{load.bucket_seconds:g} s"
    print(f"| {unit} | requests | 5xx | 503 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    clean = True
    for index in sorted(load.buckets):
        bucket = load.buckets[index]
        errors = sum(n for status, n in bucket.statuses.items() if status >= 500)
        clean = clean and errors == 0
        print(f"| {index + 1} | {sum(bucket.statuses.values())} | {errors} | "
              f"{bucket.statuses[503]} | {percentile(bucket.latencies, 0.5) * 1000:.1f} | "
              f"{percentile(bucket.latencies, 0.95) * 1000:.1f} |")  # fmt: skip
    others = Counter[int]()
    for bucket in load.buckets.values():
        others.update({s: n for s, n in bucket.statuses.items() if not 200 <= s < 300})
    print(f"non-2xx answers by status: {dict(sorted(others.items())) or 'none'}")
    return clean


def report_rss(samples: dict[str, dict[int, int]]) -> bool:
    ok = True
    for pid in samples["start"]:
        start, warm, end = (samples[k].get(pid, 0) for k in ("start", "warm", "end"))
        growth = (end - warm) / warm if warm else 0.0
        ok = ok and growth < MAX_RSS_GROWTH
        print(f"worker {pid} RSS: start {start / 1024:.1f} MiB, after warm-up {warm / 1024:.1f} "
              f"MiB, end {end / 1024:.1f} MiB: growth after warm-up {growth:+.1%}")  # fmt: skip
    return ok and bool(samples["start"])


def soak(args: argparse.Namespace, database_url: str, sink: SmtpSink, log: Path) -> bool:
    env = production_env(database_url, sink.port)
    settings = Settings(database_url=database_url, secret_key=env["SECRET_KEY"])
    world = asyncio.run(seed(settings))
    port = free_port()
    with processes(env, port, log) as serve:
        samples = {"start": worker_rss_kib(serve)}
        load = Load(port, world, args.rate, args.bucket_seconds)
        warm = lambda: samples.__setitem__("warm", worker_rss_kib(serve))  # noqa: E731
        asyncio.run(load.run(args.minutes * 60, warm))
        samples["end"] = worker_rss_kib(serve)
        time.sleep(1)
        in_use = [
            max(metric(scrape(port), "roundtable_db_pool_in_use"), default=-1.0) for _ in range(6)
        ]  # fmt: skip (each scrape is answered by one worker)
        depth = drained_outbox(port)
        served = server_counts(scrape(port))
    clean = report_table(load)
    rss_ok = report_rss(samples)
    print(f"pool connections checked out after the load (6 scrapes): {in_use}")
    print(
        f"outbox pending at the end: {depth:.0f}; mail delivered to the sink: {len(sink.messages)}"
    )
    print(f"database_unavailable logged, by exception: {dict(unavailable_by_type(log)) or 'none'}")
    print(f"the server's own count of API answers, by status (all workers): {served}")
    return clean and rss_ok and max(in_use) <= 0 and depth == 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--bucket-seconds", type=float, default=60.0, help="one table row per")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (postgresql+asyncpg://...)")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL: production settings keep rate limits in Redis")
    base_url = make_url(os.environ["DATABASE_URL"])
    scratch = base_url.set(database=f"soak_{secrets.token_hex(4)}").render_as_string(False)
    sink = SmtpSink()
    sink.start()
    asyncio.run(run_admin("create", scratch))
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "serve.log"
        try:
            upgrade(scratch)
            ok = soak(args, scratch, sink, log)
        except BaseException:
            print(log.read_text(errors="replace")[-3000:] if log.exists() else "", file=sys.stderr)
            raise
        finally:
            asyncio.run(run_admin("drop", scratch))
            sink.stop()
    print("PASS" if ok else "FAIL")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
