"""C22 under `python -m app serve --workers 2`: every worker's /metrics counts the
requests of all of them (prometheus-client's multiprocess mode, set up by `serve`)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core.migrations import PROJECT_ROOT, upgrade
from tests.edge.servers import free_port, wait_until_answering

pytestmark = pytest.mark.checklist("C22")

PROBES = 20
HEALTHZ_COUNT = re.compile(
    r'^roundtable_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$',
    re.MULTILINE,
)


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'workers.db'}"
    upgrade(database_url)
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "ENVIRONMENT": "test",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MAIL_FOLDER": str(tmp_path / "mail"),
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "2"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(process, f"{base}/healthz", log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def healthz_count(base: str) -> float:
    with httpx.Client() as fresh_connection:
        text = fresh_connection.get(f"{base}/metrics").text
    match = HEALTHZ_COUNT.search(text)
    return float(match.group(1)) if match else 0.0


def test_each_workers_metrics_count_the_requests_of_both(two_workers: str) -> None:
    before = healthz_count(two_workers)  # wait_until_answering probed /healthz already
    for _ in range(PROBES):
        with httpx.Client() as fresh_connection:  # a new connection may reach either worker
            assert fresh_connection.get(f"{two_workers}/healthz").status_code == 200
    scrapes = {healthz_count(two_workers) for _ in range(6)}
    assert scrapes == {before + PROBES}
