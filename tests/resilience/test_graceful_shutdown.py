"""SIGTERM to `python -m app serve` (issue 19): no request in flight is cut.

A real server process on SQLite. A request whose body is still arriving when SIGTERM
comes is a request in flight: the server stops accepting connections, waits for it,
answers it in full, then exits. A request that never finishes holds the exit for at
most SHUTDOWN_TIMEOUT_SECONDS. Bounded: each test takes a few seconds after start-up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.migrations import PROJECT_ROOT
from tests.edge.servers import free_port, wait_until_answering

SHUTDOWN_TIMEOUT_SECONDS = 3
# uvicorn re-raises the SIGTERM it caught once its shutdown is done: exit by that signal.
CLEAN_EXIT = (0, -signal.SIGTERM)
SIGNUP = json.dumps(
    {"email": "inflight@example.org", "password": "a long enough password", "display_name": "In"}
).encode()


class ServeProcess:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "serve.log"
        env = {
            **os.environ,
            "ENVIRONMENT": "development",
            "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'shutdown.db'}",
            "MAIL_FOLDER": str(folder / "mail"),
            "SHUTDOWN_TIMEOUT_SECONDS": str(SHUTDOWN_TIMEOUT_SECONDS),
            "RATE_LIMITS_ENABLED": "false",
        }
        env.pop("REDIS_URL", None)
        command = [sys.executable, "-m", "app", "serve", "--port", str(self.port)]
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        wait_until_answering(self.process, f"http://127.0.0.1:{self.port}/healthz", self.log)

    def request_head(self, path: str, body_length: int) -> bytes:
        return (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {body_length}\r\n\r\n"
        ).encode()

    def exited_within(self, seconds: float) -> float:
        started = time.monotonic()
        self.process.wait(timeout=seconds)
        return time.monotonic() - started


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    serve = ServeProcess(tmp_path)
    try:
        yield serve
    finally:
        if serve.process.poll() is None:
            serve.process.kill()
            serve.process.wait(timeout=10)


def _read_response(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def _refuses_new_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_a_request_in_flight_at_sigterm_is_answered_in_full_before_the_server_exits(
    server: ServeProcess,
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(server.request_head("/api/v1/auth/signup", len(SIGNUP)))
        connection.sendall(SIGNUP[:10])  # the request is in flight: its body is arriving
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert server.process.poll() is None, "the server exited with a request in flight"
        assert _refuses_new_connections(server.port)
        connection.sendall(SIGNUP[10:])
        response = _read_response(connection)

    status_line, _, rest = response.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 202 Accepted"
    body = rest.partition(b"\r\n\r\n")[2]
    assert json.loads(body)  # the whole body arrived, not a cut stream
    assert server.exited_within(10) < 10
    assert server.process.returncode in CLEAN_EXIT


def test_a_request_that_never_finishes_holds_the_exit_only_for_the_shutdown_timeout(
    server: ServeProcess,
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(server.request_head("/api/v1/auth/signup", len(SIGNUP)))
        connection.sendall(SIGNUP[:10])
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        waited = server.exited_within(SHUTDOWN_TIMEOUT_SECONDS + 8)

    assert waited >= SHUTDOWN_TIMEOUT_SECONDS - 0.5
    assert server.process.returncode in CLEAN_EXIT


def test_idle_keep_alive_connections_do_not_hold_the_exit(server: ServeProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(
            f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
        )
        assert connection.recv(65536).startswith(b"HTTP/1.1 200")
        server.process.send_signal(signal.SIGTERM)
        assert server.exited_within(SHUTDOWN_TIMEOUT_SECONDS + 8) < SHUTDOWN_TIMEOUT_SECONDS
    assert server.process.returncode in CLEAN_EXIT
