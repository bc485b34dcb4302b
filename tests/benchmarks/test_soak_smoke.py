"""The soak still runs end to end: seeding, serve with 2 workers and the mail worker, the
mix, and every line of its report (issue 19).

A few seconds at a low rate on a tiny org, not a timed test: it asserts that each figure
is printed, never what it is (the RSS growth of a few seconds says nothing, so neither
does PASS or FAIL here). PostgreSQL and Redis only (production settings refuse SQLite and
a missing REDIS_URL), so it runs in the PostgreSQL leg.
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
    reason="the soak runs on PostgreSQL and Redis (DATABASE_URL, REDIS_URL)",
)

SMOKE_ARGUMENTS = ["--minutes", "0.1", "--rate", "10", "--bucket-seconds", "2"]
REPORT_LINES = [
    r"^\| 2 s \| requests \| 5xx \| 503 \| p50 ms \| p95 ms \|$",
    r"^\| 1 \| \d+ \| \d+ \| \d+ \| [\d.]+ \| [\d.]+ \|$",
    r"^non-2xx answers by status: ",
    r"^worker \d+ RSS: start [\d.]+ MiB, after warm-up [\d.]+ MiB, end [\d.]+ MiB: growth",
    r"^pool connections checked out after the load \(6 scrapes\): \[",
    r"^outbox pending at the end: \d+; mail delivered to the sink: \d+$",
    r"^database_unavailable logged, by exception: ",
    r"^the server's own count of API answers, by status \(all workers\): \{'200'",
    r"^(PASS|FAIL)$",
]


def test_the_soak_prints_its_per_minute_table_rss_pool_and_outbox() -> None:
    command = [sys.executable, "-m", "benchmarks.soak", *SMOKE_ARGUMENTS]
    finished = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False
    )

    assert finished.returncode in (0, 1), finished.stderr[-3000:]
    for line in REPORT_LINES:
        assert re.search(line, finished.stdout, re.M), (line, finished.stdout[-3000:])
