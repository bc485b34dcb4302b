"""The list-read benchmark still runs end to end: seeding, both servers, the report.

A smoke run (one short round at a low rate, this file's own closed-loop client instead
of wrk), not a timed test: it asserts that every figure is printed, never what it is.
Needs PostgreSQL and Redis (production settings refuse SQLite and a missing REDIS_URL), so
it runs in the PostgreSQL leg.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from app.core.migrations import PROJECT_ROOT

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql")
    or not os.environ.get("REDIS_URL"),
    reason="the benchmark runs on PostgreSQL and Redis (DATABASE_URL, REDIS_URL)",
)

SMOKE_ARGUMENTS = ["--seconds", "1", "--rounds", "1", "--rate", "20", "--client", "python"]


def test_the_list_read_benchmark_prints_its_table_for_one_and_two_workers() -> None:
    command = [sys.executable, "-m", "benchmarks.list_read", *SMOKE_ARGUMENTS]
    finished = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180, check=False
    )

    assert finished.returncode == 0, finished.stderr[-2000:]
    for name in ("full w1", "bare w1", "full w2", "bare w2"):
        assert re.search(rf"^{name} +\d+ req/s +p50 +[\d.]+ ms +p95", finished.stdout, re.M)
    assert re.search(r"ratio full/bare, 1 worker\(s\): \d+\.\d\d", finished.stdout)
    assert re.search(r"ratio full/bare, 2 worker\(s\): \d+\.\d\d", finished.stdout)
    assert re.search(r"1 -> 2 workers: x\d+\.\d\d", finished.stdout)
