"""The benchmark suite still runs end to end on tiny data: seeding, every server, the table.

A smoke run (one worker, one second per load, this project's own closed-loop client
instead of wrk), not a timed test: it asserts that every scenario's row is printed,
never what its figures are. Needs PostgreSQL (production settings refuse SQLite).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys

import pytest

from app.core.migrations import PROJECT_ROOT
from benchmarks.seed import seeded_url
from tools.ci_database import run_admin

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="the benchmark runs on PostgreSQL (DATABASE_URL=postgresql+asyncpg://...)",
)

SCENARIOS = ("post list, first page", "post list, deep page", "post + 50 comments",
             "DM list", "/me", "create post", "create comment", "send message", "login",
             "launch-morning mix", "login flood")  # fmt: skip


def test_the_suite_prints_a_row_for_every_scenario_on_tiny_data() -> None:
    database = f"bench_smoke_{secrets.token_hex(4)}"
    command = [sys.executable, "-m", "benchmarks.suite", "--small", "--database", database,
               "--seconds", "1", "--workers", "1", "--client", "python", "--members", "4",
               "--mix-rate", "10", "--login-rate", "4"]  # fmt: skip
    try:
        finished = subprocess.run(
            command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False
        )
    finally:
        url = seeded_url(os.environ["DATABASE_URL"], f"{database}_small")
        asyncio.run(run_admin("drop", url))

    assert finished.returncode == 0, finished.stderr[-2000:]
    for scenario in SCENARIOS:
        assert re.search(
            rf"^\| {re.escape(scenario)}[^|]* \| app \| 1 \| \d+ \|", finished.stdout, re.M
        )
    assert re.search(
        r"^\| post list, first page \| app \| 1 \| \d+ \| \d+\.\d\d \|", finished.stdout, re.M
    )
