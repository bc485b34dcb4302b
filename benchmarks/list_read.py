"""An authenticated list read with every layer on, against a bare handler doing the same query.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 uv run python -m benchmarks.list_read \\
        [--seconds 10] [--rounds 3] [--rate 400] [--workers 1 2] [--client wrk|python]

Makes a scratch database next to the one DATABASE_URL names (dropped at the end), seeds
an org, a member with a session and an open space with 50 published posts, and starts
two servers on 127.0.0.1, each with 1 and then 2 worker processes (`--workers`):

- the real app by `python -m app serve`, configured as in production behind a TLS proxy
  (every middleware, the session cookie, the org policy, the rate limiter in Redis:
  production refuses to start without REDIS_URL), serving
  `GET /api/v1/orgs/{org}/spaces/{space}/posts?limit=20`;
- `benchmarks/bare_list_app.py` under bare uvicorn: FastAPI running the same SELECT,
  nothing else.

It reports, per server and worker count, the median over rounds of the closed-loop
throughput (wrk, 32 connections; `apt-get install wrk`) and of p50/p95 latency at a
fixed arrival rate (an open-loop client here, latency counted from each request's
scheduled time), the ratio of the two throughputs, and how the app's throughput grows
from 1 to 2 workers. The numbers are ratios and medians because this machine is noisy;
run it on a quiet one. `--client python` replaces wrk by a closed-loop client of this
file (slower, so it takes CPU from the servers): for the smoke run in the tests, not for
figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import make_url

from app.accounts.models import User, UserSession
from app.authz.permissions import Role
from app.core.clock import now
from app.core.database import Database
from app.core.migrations import PROJECT_ROOT, upgrade
from app.core.security import new_session_token, token_hash
from app.core.settings import Settings
from app.mail.dkim_keys import generate_private_key, pkcs1_pem
from app.orgs.models import Membership, Org
from app.posts.models import Post, PostStatus
from app.spaces.models import Space
from tools.ci_database import run_admin

PUBLIC_HOST = "bench.example"


@dataclass(frozen=True)
class Seeded:
    org_id: uuid.UUID
    space_id: uuid.UUID
    session_token: str


async def seed(database_url: str) -> Seeded:
    database = Database(Settings(database_url=database_url))
    user_id, org_id, space_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    token = new_session_token()
    async with database.sessionmaker() as db:
        db.add(User(id=user_id, email="bench@example.org", password_hash=secrets.token_hex(8),
                    display_name="Bench", email_verified_at=now()))  # fmt: skip
        db.add(Org(id=org_id, name="Bench", slug="bench"))
        await db.flush()
        db.add(Membership(org_id=org_id, user_id=user_id, role=Role.MEMBER))
        db.add(Space(id=space_id, org_id=org_id, name="Open", visibility="open"))
        db.add(UserSession(token_hash=token_hash(token), user_id=user_id,
                           expires_at=now() + timedelta(days=1)))  # fmt: skip
        await db.flush()
        for index in range(50):
            moment = now() - timedelta(minutes=index)
            post = Post(
                org_id=org_id,
                space_id=space_id,
                author_id=user_id,
                title=f"Post {index}",
                body="A paragraph of text. " * 40,
                status=PostStatus.PUBLISHED,
                created_at=moment,
                listed_at=moment,
            )
            db.add(post)
        await db.commit()
    await database.dispose()
    return Seeded(org_id, space_id, token)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(target: str, env: dict[str, str], workers: int = 1) -> Iterator[int]:
    port = free_port()
    # The real app as production runs it (a bare uvicorn is refused there), the baseline bare.
    runner = ["app", "serve"] if target == "app.main:app" else ["uvicorn", target]
    command = [sys.executable, "-m", *runner, "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    if target != "app.main:app":
        command += ["--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"{target} did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def wrk_throughput(url: str, headers: dict[str, str], seconds: int) -> float:
    args = ["wrk", "-t", "1", "-c", "32", "-d", f"{seconds}s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match is None or non_2xx is not None:
        raise SystemExit(f"wrk run failed or got errors:\n{output}")
    return float(match.group(1))


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
CLOSED_LOOP_CONNECTIONS = 32


def request_bytes(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {headers['Host']}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name != "Host"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _exchange(request: bytes, connection: Connection) -> None:
    reader, writer = connection
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"unexpected answer: {head[:80]!r}")
    length = re.search(rb"(?i)content-length: (\d+)", head)
    if length is None:
        raise SystemExit("an answer without Content-Length")
    await reader.readexactly(int(length.group(1)))


async def _one_request(request: bytes, pool: asyncio.Queue[Connection]) -> None:
    connection = await pool.get()
    await _exchange(request, connection)
    pool.put_nowait(connection)


async def closed_loop_throughput(
    port: int, path: str, headers: dict[str, str], seconds: float
) -> float:
    """Requests/s of CLOSED_LOOP_CONNECTIONS clients each sending the next request as
    soon as the last is answered (wrk's loop, in Python)."""
    request = request_bytes(path, headers)
    loop = asyncio.get_running_loop()
    answered = 0

    async def client(deadline: float) -> None:
        nonlocal answered
        connection = await asyncio.open_connection("127.0.0.1", port)
        try:
            while loop.time() < deadline:
                await _exchange(request, connection)
                answered += 1
        finally:
            connection[1].close()

    started = loop.time()
    await asyncio.gather(*(client(started + seconds) for _ in range(CLOSED_LOOP_CONNECTIONS)))
    return answered / (loop.time() - started)


async def fixed_rate_latencies(
    port: int, path: str, headers: dict[str, str], rate: int, seconds: int
) -> list[float]:
    request = request_bytes(path, headers)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.1

    async def timed(scheduled: float) -> None:
        await asyncio.sleep(max(0.0, scheduled - loop.time()))
        await _one_request(request, pool)
        latencies.append(loop.time() - scheduled)

    await asyncio.gather(*(timed(start + i / rate) for i in range(rate * seconds)))
    while not pool.empty():
        _, writer = pool.get_nowait()
        writer.close()
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(
    port: int, path: str, headers: dict[str, str], args: argparse.Namespace
) -> dict[str, float]:
    if args.client == "wrk":
        url = f"http://127.0.0.1:{port}{path}"
        wrk_throughput(url, headers, 2)  # warm-up
        rps = wrk_throughput(url, headers, args.seconds)
    else:
        asyncio.run(closed_loop_throughput(port, path, headers, 1))  # warm-up
        rps = asyncio.run(closed_loop_throughput(port, path, headers, args.seconds))
    latencies = asyncio.run(fixed_rate_latencies(port, path, headers, args.rate, args.seconds))
    return {"rps": rps, "p50_ms": percentile(latencies, 0.5) * 1000,
            "p95_ms": percentile(latencies, 0.95) * 1000}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk")
    args = parser.parse_args()
    if args.client == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk), or use --client python")
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (postgresql+asyncpg://...)")
    base_url = make_url(os.environ["DATABASE_URL"])
    scratch = base_url.set(database=f"bench_{secrets.token_hex(4)}").render_as_string(False)
    asyncio.run(run_admin("create", scratch))
    try:
        upgrade(scratch)
        seeded = asyncio.run(seed(scratch))
        results = run_rounds(args, scratch, seeded)
    finally:
        asyncio.run(run_admin("drop", scratch))
    report(results)


Results = dict[str, list[dict[str, float]]]


def run_rounds(args: argparse.Namespace, database_url: str, seeded: Seeded) -> Results:
    dkim_key = pkcs1_pem(generate_private_key()).decode()  # production wants mail signed
    env = {**os.environ, "DATABASE_URL": database_url, "ENVIRONMENT": "production",
           "SECRET_KEY": secrets.token_urlsafe(48), "PUBLIC_URL": f"https://{PUBLIC_HOST}",
           "TRUSTED_PROXIES": "127.0.0.1/32", "SMTP_HOST": "127.0.0.1",
           "EMAIL_FROM": f"no-reply@{PUBLIC_HOST}", "EMAIL_DELIVERY": "worker",
           "DKIM_SELECTOR": "bench", "DKIM_PRIVATE_KEY": dkim_key}  # fmt: skip
    full_path = f"/api/v1/orgs/{seeded.org_id}/spaces/{seeded.space_id}/posts?limit=20"
    full_headers = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https",
                    "Cookie": f"__Host-session={seeded.session_token}"}  # fmt: skip
    bare_path = f"/posts?org_id={seeded.org_id}&space_id={seeded.space_id}&limit=20"
    results: Results = {}
    for _ in range(args.rounds):
        for workers in args.workers:
            with server("app.main:app", env, workers) as port:
                run = measure(port, full_path, full_headers, args)
                results.setdefault(f"full w{workers}", []).append(run)
            with server("benchmarks.bare_list_app:app", env, workers) as port:
                run = measure(port, bare_path, {"Host": "127.0.0.1"}, args)
                results.setdefault(f"bare w{workers}", []).append(run)
    return results


def report(results: Results) -> None:
    medians = {name: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
               for name, runs in results.items()}  # fmt: skip
    for name, values in medians.items():
        print(f"{name:8s} {values['rps']:8.0f} req/s   p50 {values['p50_ms']:6.2f} ms"
              f"   p95 {values['p95_ms']:6.2f} ms at the fixed rate")  # fmt: skip
    workers = sorted({int(name.partition(" w")[2]) for name in medians})
    for count in workers:
        ratio = medians[f"full w{count}"]["rps"] / medians[f"bare w{count}"]["rps"]
        print(f"throughput ratio full/bare, {count} worker(s): {ratio:.2f}")
    if 1 in workers and 2 in workers:
        scaling = medians["full w2"]["rps"] / medians["full w1"]["rps"]
        print(f"full app 1 -> 2 workers: x{scaling:.2f}")


if __name__ == "__main__":
    main()
