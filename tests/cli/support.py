"""Running `python -m app` as an operator does: a child process with its own environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from app.core.migrations import PROJECT_ROOT

# Variables of the contract a developer's shell may hold; each test names its own.
_CLEARED = ("DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "SECRET_KEY", "PUBLIC_URL", "PORT", "HOST")


def run_app(
    cwd: Path, *args: str, timeout: float = 120, **variables: str
) -> subprocess.CompletedProcess[str]:
    """`python -m app ARGS` in `cwd` (so no developer `.env` is read), test environment."""
    environment = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    environment.update(
        PYTHONPATH=str(PROJECT_ROOT),
        ENVIRONMENT="test",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=f"sqlite+aiosqlite:///{cwd / 'cli.db'}",
    )
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]
