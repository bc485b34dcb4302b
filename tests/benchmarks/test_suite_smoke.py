"""The performance suite still runs end to end: seeding, the three servers, the tables.

A smoke run (tiny data, one short round, one worker, this repository's Python client
instead of wrk), not a timed test: it asserts that every table and goal line is
printed, never what the figures are. Needs PostgreSQL (production settings refuse
SQLite), so it runs in the PostgreSQL leg, on a database of its own that it drops.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest

from app.core.migrations import PROJECT_ROOT

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="the suite runs on PostgreSQL (DATABASE_URL=postgresql+asyncpg://...)",
)

SMOKE_ARGUMENTS = ["--tiny", "--drop", "--rounds", "1", "--seconds", "0.5", "--warmup", "0.3",
                   "--open-seconds", "0.5", "--workers", "1", "--connections", "4",
                   "--client", "python"]  # fmt: skip


def test_the_suite_prints_every_scenario_against_the_app_and_both_baselines() -> None:
    database = f"bench_smoke_{secrets.token_hex(4)}"
    command = [sys.executable, "-m", "benchmarks.suite", "--database", database, *SMOKE_ARGUMENTS]
    finished = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    out = finished.stdout
    for scenario in ("post list", "post list, deep cursor", "post with 50 comments", "DM list",
                     "/me", "create post", "create comment", "send message", "login"):  # fmt: skip
        for server in ("app", "bare", "core"):
            assert re.search(rf"^\| {re.escape(scenario)} \| {server} \| 1 \| \d+ \|", out, re.M)
    assert re.search(r"^\| launch morning mix \| app \| 1 \|", out, re.M)
    assert re.search(r"^\| reads beside a login flood \| 50 \|", out, re.M)
    assert re.search(
        r"post list >= 0\.70 of bare req/s, 1 worker\(s\): \d\.\d\d: (holds|not yet)", out
    )
