"""Real uvicorn processes on 127.0.0.1 for the edge tests, started and stopped by the test."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from app.core.migrations import PROJECT_ROOT

# Importing the app takes seconds; a 2-worker start once took over 60 s at load 10.
START_TIMEOUT_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_up(self) -> None:
        wait_until_answering(self.process, f"{self.url}/healthz", self.log)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Until `url` answers 200; the process's log in the failure if it exits or never does."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"server did not start:\n{log.read_text()}")


def access_line(log: Path, request_id: str) -> dict[str, Any]:
    """The app's access log line for `request_id`, waited for: the server writes it after the
    response has gone, so a read straight after the response can come too early."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if line.startswith("{") and request_id in line:
                entry: dict[str, Any] = json.loads(line)
                if entry.get("event") == "request" and entry.get("request_id") == request_id:
                    return entry
        time.sleep(0.05)
    raise AssertionError(f"no access line for {request_id}:\n{log.read_text()}")


@contextmanager
def edge_servers(folder: Path, environment: dict[str, str], count: int) -> Iterator[list[Server]]:
    """`count` uvicorn processes serving tests.edge.server_app, started side by side."""
    env = {**os.environ, "ENVIRONMENT": "test", **environment}
    servers = [_launch(folder, env) for _ in range(count)]
    try:
        for server in servers:
            server.wait_until_up()
        yield servers
    finally:
        for server in servers:
            server.stop()


def _launch(folder: Path, env: dict[str, str]) -> Server:
    port = free_port()
    log = folder / f"server-{port}.log"
    command = [
        sys.executable, "-m", "uvicorn", "tests.edge.server_app:create_edge_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    return Server(process, port, log)
