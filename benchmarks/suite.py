"""The performance suite of issue 17: the real app against two bare baselines, one table.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/5 uv run python -m benchmarks.suite \\
        [--database rt_bench_seeded] [--rounds 3] [--seconds 5] [--workers 1 2]

1. Seeds `--database` (next to DATABASE_URL's) at the issue's size once
   (benchmarks.seed: 5,000 members in 3 orgs, 200 spaces, 200,000 posts, 1,000,000
   comments, 50,000 conversations) and reuses it on later runs; makes this run's
   session and login passwords (benchmarks.suite_setup).
2. Per round and per worker count, starts each server on 127.0.0.1 with no proxy in
   front: the real app with production settings (`python -m app serve --workers N`),
   benchmarks.bare_app (FastAPI, no middleware, the app's own repository statements on
   an ORM session) and benchmarks.bare_core_app (SQLAlchemy Core over asyncpg, dict
   rows), and drives every scenario in a closed loop (wrk, 32 connections, a Lua script
   setting the session cookie and the CSRF header).
3. With the most workers, drives the app at fixed arrival rates (an open-loop client):
   reads at half their bare peak, writes at half their own peak, logins at 20/s, the
   launch-morning mix at 200/s, and reads beside a login flood.
4. Prints the medians over rounds as markdown tables (req/s, p50, p95, p99, each ratio
   to its baselines) and which of the issue's goals hold.

This machine is noisy: compare ratios within one run. `--client python` replaces wrk
by a Python closed loop (it takes CPU from the servers): for the smoke test only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields

from app.core.migrations import PROJECT_ROOT
from benchmarks import load as loads
from benchmarks.load import Figures, Load
from benchmarks.seed import Scale, ensure_seeded, seeded_url
from benchmarks.suite_setup import (
    READS,
    WRITES,
    Run,
    app_calls,
    app_environment,
    baseline_calls,
    launch_morning,
    prepare,
)
from tools.ci_database import run_admin

SERVERS = ("bare", "core", "app")  # baselines first: the app's fixed rates come from them
TARGETS = {"bare": "benchmarks.bare_app:app", "core": "benchmarks.bare_core_app:app"}
MIX = "launch morning mix"
FLOOD = "reads beside a login flood"
LOGIN_RATE = 20.0
MIX_RATE = 200.0
FLOOD_READ_RATE = 50.0
FLOOD_CONNECTIONS = 8


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(kind: str, env: dict[str, str], workers: int, probe: Load) -> Iterator[int]:
    port = free_port()
    if kind == "app":
        command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1",
                   "--port", str(port), "--workers", str(workers)]  # fmt: skip
    else:
        command = [sys.executable, "-m", "uvicorn", TARGETS[kind], "--host", "127.0.0.1",
                   "--port", str(port), "--no-access-log", "--log-level", "warning",
                   "--workers", str(workers)]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL
    )
    try:
        _wait_until_answering(port, probe, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_answering(port: int, probe: Load, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            status = asyncio.run(_probe(port, probe))
            if status < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"the server on port {port} did not start")
        time.sleep(0.3)


async def _probe(port: int, probe: Load) -> int:
    connection = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await asyncio.wait_for(loads.exchange(probe[0][1].raw(), connection), 10)
    finally:
        connection[1].close()


@dataclass
class Options:
    seconds: float
    warmup: float
    open_seconds: float
    connections: int
    client: str


def closed(port: int, load: Load, options: Options, seconds: float | None = None) -> Figures:
    duration = options.seconds if seconds is None else seconds
    if options.client == "wrk":
        return loads.wrk(port, load, duration, options.connections)
    return asyncio.run(loads.closed_loop(port, load, duration, options.connections))


def opened(port: int, load: Load, rate: float, options: Options) -> Figures:
    return asyncio.run(loads.open_loop(port, load, rate, options.open_seconds))


Key = tuple[str, str, int]  # scenario, server, workers


@dataclass
class Results:
    closed: dict[Key, list[Figures]] = field(default_factory=dict)
    opened: dict[tuple[str, float], list[Figures]] = field(default_factory=dict)
    flood_logins: list[float] = field(default_factory=list)
    rates: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: Key, figures: Figures) -> None:
        self.closed.setdefault(key, []).append(figures)

    def add_open(self, name: str, rate: float, figures: Figures) -> None:
        """Keyed by scenario: a rate taken from this round's peak differs per round, so
        the row shows the median rate beside the median figures."""
        self.rates.setdefault(name, []).append(rate)
        self.opened.setdefault((name, 0.0), []).append(figures)


def median(runs: list[Figures]) -> Figures:
    values = {
        f.name: statistics.median(getattr(run, f.name) for run in runs) for f in fields(Figures)
    }
    values["non_2xx"] = max(run.non_2xx for run in runs)
    values["errors_5xx"] = max(run.errors_5xx for run in runs)
    return Figures(**values)


def one_round(
    args: argparse.Namespace, options: Options, run: Run, url: str, results: Results
) -> None:
    app_env = app_environment(run, url)
    base_env = {**os.environ, "DATABASE_URL": url}
    scenarios = {"app": app_calls(run), "bare": baseline_calls(run), "core": baseline_calls(run)}
    scenarios["app"][MIX] = launch_morning(scenarios["app"])
    chosen = [name for name in scenarios["app"] if not args.scenarios or name in args.scenarios]
    for workers in args.workers:
        for kind in SERVERS:
            env = app_env if kind == "app" else base_env
            calls = scenarios[kind]
            with server(kind, env, workers, calls["/me"]) as port:
                closed(port, calls[chosen[0]], options, options.warmup)
                for name in chosen:
                    if name in calls:
                        results.add((name, kind, workers), closed(port, calls[name], options))
                if kind == "app" and workers == max(args.workers):
                    fixed_rates(port, calls, chosen, options, results)


def fixed_rates(
    port: int, calls: dict[str, Load], chosen: list[str], options: Options, results: Results
) -> None:
    workers = max(key[2] for key in results.closed)
    for name in chosen:
        if name in READS:
            bare = results.closed.get((name, "bare", workers))
            rate = bare[-1].rps / 2 if bare else 0.0
        elif name in WRITES:
            rate = results.closed[(name, "app", workers)][-1].rps / 2
        elif name == "login":
            rate = LOGIN_RATE
        elif name == MIX:
            rate = MIX_RATE
        else:
            continue
        if rate > 0:
            results.add_open(name, rate, opened(port, calls[name], rate, options))
    if "login" in chosen and "post list" in chosen:
        login_flood(port, calls, options, results)


def login_flood(port: int, calls: dict[str, Load], options: Options, results: Results) -> None:
    """Post-list reads at a fixed rate while logins run flat out beside them."""
    flood: list[Figures] = []
    flooding = threading.Thread(
        target=lambda: flood.append(
            loads.wrk(port, calls["login"], options.open_seconds + 1, FLOOD_CONNECTIONS)
            if options.client == "wrk"
            else asyncio.run(
                loads.closed_loop(port, calls["login"], options.open_seconds + 1, FLOOD_CONNECTIONS)
            )
        )
    )
    flooding.start()
    time.sleep(0.5)
    results.add_open(
        FLOOD, FLOOD_READ_RATE, opened(port, calls["post list"], FLOOD_READ_RATE, options)
    )
    flooding.join()
    results.flood_logins.append(flood[0].rps)


# -- the report -------------------------------------------------------------------------


def _ratio(results: dict[Key, Figures], name: str, kind: str, workers: int) -> str:
    app, base = results.get((name, "app", workers)), results.get((name, kind, workers))
    return f"{app.rps / base.rps:.2f}" if app and base and base.rps else "-"


def report(results: Results, workers: list[int]) -> None:
    medians = {key: median(runs) for key, runs in results.closed.items()}
    print("\n## Closed loop (median of rounds): req/s and latency under full load\n")
    print("| scenario | server | workers | req/s | p50 ms | p95 ms | p99 ms | non-2xx "
          "| app/bare | app/core |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    names = list(dict.fromkeys(key[0] for key in medians))
    for name in names:
        for count in workers:
            for kind in ("app", "bare", "core"):
                figures = medians.get((name, kind, count))
                if figures is None:
                    continue
                ratios = (
                    _ratio(medians, name, "bare", count),
                    _ratio(medians, name, "core", count),
                )
                shown = ratios if kind == "app" else ("", "")
                print(f"| {name} | {kind} | {count} | {figures.rps:.0f} | {figures.p50_ms:.1f} | "
                      f"{figures.p95_ms:.1f} | {figures.p99_ms:.1f} | {figures.non_2xx} | "
                      f"{shown[0]} | {shown[1]} |")  # fmt: skip
    opened = {(name, float(round(statistics.median(results.rates[name])))): median(runs)
              for (name, _), runs in results.opened.items()}  # fmt: skip
    print(
        f"\n## Open loop, the app with {max(workers)} worker(s): latency at a fixed arrival rate\n"
    )
    print("| scenario | rate/s | p50 ms | p95 ms | p99 ms | non-2xx | 5xx |")
    print("|---|---|---|---|---|---|---|")
    for (name, rate), figures in opened.items():
        print(f"| {name} | {rate:.0f} | {figures.p50_ms:.1f} | {figures.p95_ms:.1f} | "
              f"{figures.p99_ms:.1f} | {figures.non_2xx} | {figures.errors_5xx} |")  # fmt: skip
    if results.flood_logins:
        print(f"\nlogins/s during the flood: {statistics.median(results.flood_logins):.0f}")
    print("\n## Goals (issue 17)\n")
    for line in goals(medians, opened, workers):
        print(f"- {line}")


def _verdict(holds: bool | None) -> str:
    return "not measured" if holds is None else ("holds" if holds else "not yet")


def goals(
    closed: dict[Key, Figures], opened: dict[tuple[str, float], Figures], workers: list[int]
) -> list[str]:
    lines = []
    for count in workers:
        ratio = _ratio(closed, "post list", "bare", count)
        held = None if ratio == "-" else float(ratio) >= 0.70
        lines.append(
            f"post list >= 0.70 of bare req/s, {count} worker(s): {ratio}: {_verdict(held)}"
        )
    one, two = closed.get(("post list", "app", 1)), closed.get(("post list", "app", 2))
    if one and two:
        lines.append(f"post list 1 -> 2 workers x1.6: x{two.rps / one.rps:.2f}: "
                     f"{_verdict(two.rps / one.rps >= 1.6)}")  # fmt: skip
    for (name, rate), figures in opened.items():
        limit = {"login": 50.0, MIX: 50.0}.get(name, 15.0 if name in READS else 25.0)
        if name == FLOOD:
            continue
        extra = ", zero 5xx" if name == MIX else ""
        held = figures.p95_ms <= limit and (name != MIX or figures.errors_5xx == 0)
        measured = f"{figures.p95_ms:.1f} ms, {figures.errors_5xx} 5xx"
        lines.append(f"{name}: p95 <= {limit:.0f} ms at {rate:.0f}/s{extra}: {measured}: "
                     f"{_verdict(held)}")  # fmt: skip
    login = closed.get(("login", "app", 2))
    if login:
        lines.append(f">= 80 logins/s with 2 workers: {login.rps:.0f}: {_verdict(login.rps >= 80)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help="default: rt_bench_seeded, rt_bench_tiny with --tiny")
    parser.add_argument(
        "--tiny", "--small", action="store_true", help="tiny data (the smoke test's)"
    )
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--open-seconds", type=float, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scenarios", nargs="*", help="run only these (names as printed)")
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk")
    args = parser.parse_args()
    # tiny data never lands in the full-size database, which takes minutes to seed again
    args.database = args.database or ("rt_bench_tiny" if args.tiny else "rt_bench_seeded")
    if args.client == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk), or use --client python")
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (postgresql+asyncpg://...)")
    options = Options(args.seconds, args.warmup, args.open_seconds, args.connections, args.client)
    url = seeded_url(os.environ["DATABASE_URL"], args.database)
    started = time.monotonic()
    seeded = ensure_seeded(url, Scale.tiny() if args.tiny else Scale.issue())
    print(f"{args.database}: {'seeded' if seeded else 'already seeded'} "
          f"({time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
    try:
        run = asyncio.run(prepare(url))
        results = Results()
        for number in range(args.rounds):
            print(f"round {number + 1} of {args.rounds}", flush=True)
            one_round(args, options, run, url, results)
            if number + 1 < args.rounds:  # the medians so far, in case the run is cut short
                report(results, args.workers)
    finally:
        if args.drop:
            asyncio.run(run_admin("drop", url))
    report(results, args.workers)


if __name__ == "__main__":
    main()
