"""benchmarks.access_line still runs and prints its figure (never asserted: not a timed test)."""

from __future__ import annotations

import re
import subprocess
import sys

from app.core.migrations import PROJECT_ROOT


def test_access_line_prints_the_cpu_cost_of_one_line() -> None:
    command = [sys.executable, "-m", "benchmarks.access_line", "--lines", "50", "--rounds", "1"]
    finished = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert re.fullmatch(r"access line: \d+\.\d us CPU \(median of 1 rounds\)\n", finished.stdout)
