"""benchmarks.request_cost still runs: the real app and both baselines served in process,
one table. A smoke run on tiny data that asserts the table's rows, never the figures.
Production settings refuse SQLite, so it runs in the PostgreSQL leg, on its own database."""

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
    reason="the benchmark runs on PostgreSQL (DATABASE_URL=postgresql+asyncpg://...)",
)

SCENARIOS = ("post list", "post with 50 comments", "/me")


def test_request_cost_prints_each_scenarios_cpu_for_the_app_and_both_baselines() -> None:
    database = f"bench_cost_{secrets.token_hex(4)}"
    command = [sys.executable, "-m", "benchmarks.request_cost", "--tiny", "--drop",
               "--database", database, "--requests", "20", "--rounds", "1",
               "--scenarios", *SCENARIOS]  # fmt: skip
    finished = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    for scenario in SCENARIOS:
        ratio, spread = r"\d+\.\d\d", r"\(\d+\.\d\d-\d+\.\d\d\)"
        row = rf"^\| {re.escape(scenario)} \| \d+ \| \d+ \| \d+ \| {ratio} {spread} \| {ratio} \|$"
        assert re.search(row, finished.stdout, re.M), finished.stdout
