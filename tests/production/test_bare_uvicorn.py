"""C18: in production only `python -m app serve` serves the app. A bare `uvicorn app.main:app`
would believe X-Forwarded-For from 127.0.0.1 (uvicorn's own proxy headers) and answer with
`server: uvicorn`; app.main refuses to be built that way, and `serve` (whose uvicorn has
both off) sends no banner and keeps a forged address out of the request log."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.core.migrations import PROJECT_ROOT
from app.core.settings import SERVED_BY
from tests.core.test_settings import dkim_key_pem
from tests.edge.servers import access_line, free_port, wait_until_answering

pytestmark = pytest.mark.checklist("C18")

FORGED = "198.51.100.66"


def production_environment() -> dict[str, str]:
    """A production configuration `load_settings` accepts (nothing is reached at import)."""
    environment = {key: value for key, value in os.environ.items() if key != SERVED_BY}
    environment.update(
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        PUBLIC_URL="https://community.example.org",
        DATABASE_URL="postgresql+asyncpg://app@db/app",
        REDIS_URL="redis://redis:6379/0",
        SMTP_HOST="smtp.example.org",
        EMAIL_FROM="no-reply@community.example.org",
        DKIM_SELECTOR="rt1",
        DKIM_PRIVATE_KEY=dkim_key_pem(),
    )
    return environment


def test_a_bare_uvicorn_in_production_refuses_to_start_and_names_serve(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", "0"],
        cwd=tmp_path, env={**production_environment(), "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert finished.returncode != 0
    assert "start the app with `python -m app serve`" in finished.stderr, finished.stderr


@dataclass
class Served:
    url: str
    log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`python -m app serve` on a migrated SQLite file, its JSON request lines in a file."""
    folder = tmp_path_factory.mktemp("serve-banner")
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment.update(
        ENVIRONMENT="test", LOG_LEVEL="INFO", SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'serve.db'}", PYTHONPATH=str(PROJECT_ROOT),
    )  # fmt: skip
    app = [sys.executable, "-m", "app"]
    subprocess.run([*app, "migrate"], cwd=folder, env=environment, check=True, timeout=120)
    port, log = free_port(), folder / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*app, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder, env=environment,
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_answering(process, f"http://127.0.0.1:{port}/healthz", log)
        yield Served(f"http://127.0.0.1:{port}", log)
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_sends_no_server_banner(served: Served) -> None:
    response = httpx.get(f"{served.url}/healthz", timeout=10)
    assert response.status_code == 200
    assert "server" not in response.headers


def test_serve_does_not_believe_forwarded_for_from_localhost(served: Served) -> None:
    response = httpx.get(f"{served.url}/healthz", headers={"X-Forwarded-For": FORGED}, timeout=10)
    assert access_line(served.log, response.headers["x-request-id"])["client_ip"] == "127.0.0.1"
