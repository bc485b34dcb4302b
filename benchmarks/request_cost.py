"""What one request costs the app's own process in CPU, against the bare baselines.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/5 uv run python -m benchmarks.request_cost \\
        [--tiny] [--drop] [--requests 2000] [--rounds 5] [--scenarios "post list" "/me"]

The suite (benchmarks.suite) measures throughput over sockets, which on this 2-core
machine moves with whatever else runs. This measures the figure that throughput
follows when a worker is CPU-bound: the process CPU time (`time.process_time`) one
request takes, served in process through the ASGI interface, one request at a time,
against the same seeded database and the same production settings as the suite. The
database's own work runs in PostgreSQL's processes and is not counted; the driver's
is. Other load on the machine barely moves CPU time, so a before/after pair of this
script is a measurement where a pair of suite runs on a busy machine is not.

It prints, per scenario, the median over rounds of the CPU microseconds a request
costs the real app, the bare FastAPI app on the ORM session (benchmarks.bare_app) and
the bare Core app (benchmarks.bare_core_app), and bare/app: the share of the bare
app's throughput the real app would reach were both limited by CPU alone. The three
take turns within each round and each ratio is taken within its round, so the median
ratio (and its range over rounds, printed beside it) is what to compare between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlsplit

from app.core.settings import SERVE_COMMAND, SERVED_BY
from benchmarks.asgi_calls import Asgi, Message, cpu_us_per_request
from benchmarks.load import Call
from benchmarks.seed import Scale, ensure_seeded, seeded_url
from benchmarks.suite_setup import READS, app_calls, app_environment, baseline_calls, prepare
from tools.ci_database import run_admin

CLIENT = ("127.0.0.1", 50000)


def _scope(call: Call) -> Message:
    parts = urlsplit(call.path)
    headers = {"host": "127.0.0.1", **{k.lower(): v for k, v in call.headers.items()}}
    if call.body is not None:
        headers |= {"content-type": "application/json", "content-length": str(len(call.body))}
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": call.method, "scheme": "http", "path": parts.path,
        "raw_path": parts.path.encode(), "query_string": parts.query.encode(),
        "root_path": "", "client": CLIENT, "server": ("127.0.0.1", 8000),
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip


async def cpu_per_request(app: Asgi, call: Call, requests: int) -> float:
    body = (call.body or "").encode()
    return await cpu_us_per_request(app, lambda: _scope(call), requests, body)


def _lifespan(app: Any) -> AbstractAsyncContextManager[None]:
    return app.router.lifespan_context(app)  # type: ignore[no-any-return]


Samples = dict[tuple[str, str], list[float]]  # (scenario, kind): the CPU µs of each round


async def measure(args: argparse.Namespace, url: str) -> Samples:
    run = await prepare(url)
    os.environ.update(app_environment(run, url))
    os.environ[SERVED_BY] = SERVE_COMMAND  # served in process, as `python -m app serve` would
    # imported only now: the apps read their settings from the environment at import
    from app.main import create_app
    from benchmarks import bare_app, bare_core_app

    servers: dict[str, tuple[Any, dict[str, Call]]] = {
        "app": (create_app(), {n: load[0][1] for n, load in app_calls(run).items()}),
        "bare": (bare_app.app, {n: load[0][1] for n, load in baseline_calls(run).items()}),
        "core": (bare_core_app.app, {n: load[0][1] for n, load in baseline_calls(run).items()}),
    }  # fmt: skip
    samples: Samples = {}
    async with contextlib.AsyncExitStack() as lifespans:
        for app, _ in servers.values():
            await lifespans.enter_async_context(_lifespan(app))
        # the kinds take turns within each round, so a change in the machine's other load
        # falls on all three alike instead of on whichever kind ran at the time
        for number in range(args.rounds):
            for name in args.scenarios:
                for kind, (app, calls) in servers.items():
                    await cpu_per_request(app, calls[name], args.requests // 10)  # warm-up
                    cost = await cpu_per_request(app, calls[name], args.requests)
                    samples.setdefault((name, kind), []).append(cost)
            print(f"round {number + 1} of {args.rounds} done", file=sys.stderr)
    return samples


def report(samples: Samples, scenarios: list[str]) -> None:
    """Medians of the CPU µs, and of the ratios taken round by round (the kinds of one round
    ran side by side), with the lowest and highest round's ratio."""
    print("\n| scenario | app µs | bare µs | core µs | bare/app (rounds' range) | core/app |")
    print("|---|---|---|---|---|---|")
    for name in scenarios:
        app, bare, core = (samples[(name, kind)] for kind in ("app", "bare", "core"))
        to_bare = [b / a for a, b in zip(app, bare, strict=True)]
        to_core = [c / a for a, c in zip(app, core, strict=True)]
        median = statistics.median
        print(f"| {name} | {median(app):.0f} | {median(bare):.0f} | {median(core):.0f} | "
              f"{median(to_bare):.2f} ({min(to_bare):.2f}-{max(to_bare):.2f}) | "
              f"{median(to_core):.2f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help="default: rt_bench_seeded, rt_bench_tiny with --tiny")
    parser.add_argument("--tiny", action="store_true", help="tiny data (the smoke test's)")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--requests", type=int, default=2000, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenarios", nargs="+", default=list(READS), choices=list(READS))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (postgresql+asyncpg://...)")
    args.database = args.database or ("rt_bench_tiny" if args.tiny else "rt_bench_seeded")
    url = seeded_url(os.environ["DATABASE_URL"], args.database)
    ensure_seeded(url, Scale.tiny() if args.tiny else Scale.issue())
    # the access lines go where the suite sends a server's output
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            samples = asyncio.run(measure(args, url))
    finally:
        if args.drop:
            asyncio.run(run_admin("drop", url))
    report(samples, args.scenarios)


if __name__ == "__main__":
    main()
