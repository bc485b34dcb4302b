"""What the commands print and write, as a developer running them meets it.

`serve --port N` links mail to port N, the random SECRET_KEY is one log line from the
commands where it matters, `migrate` names its revision, the worker logs its queue depth.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.core.migrations import PROJECT_ROOT, head_revision, upgrade
from tests.cli.support import run_app
from tests.edge.servers import free_port, wait_until_answering

WAIT_SECONDS = 60
_CLEARED = ("DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "SECRET_KEY", "PUBLIC_URL", "PORT", "HOST")


def _environment(folder: Path, **variables: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    environment.update(
        PYTHONPATH=str(PROJECT_ROOT),
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'app.db'}",
        MAIL_FOLDER=str(folder / "mail"),
    )
    environment.update(variables)
    return environment


def _wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen:\n{log.read_text()}")


@dataclass
class DevelopmentServer:
    url: str
    port: int
    log: Path
    mail: Path


@pytest.fixture(scope="module")
def development_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevelopmentServer]:
    """`serve --port N` in development with neither PUBLIC_URL nor SECRET_KEY set."""
    folder = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = folder / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port)],
            cwd=folder, env=_environment(folder, ENVIRONMENT="development"),
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_answering(process, f"{url}/healthz", log)
        yield DevelopmentServer(url, port, log, folder / "mail")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_on_another_port_links_mail_to_that_port(
    development_server: DevelopmentServer,
) -> None:
    signup = {"email": "dev@example.org", "password": "a long enough passphrase"}
    signup["display_name"] = "Dev"
    response = httpx.post(f"{development_server.url}/api/v1/auth/signup", json=signup)
    assert response.status_code == 202, response.text

    mail = development_server.mail
    _wait_for(lambda: any(mail.glob("*.eml")), "a mail file", development_server.log)
    (written,) = mail.glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = str(body.get_content())
    assert f"http://127.0.0.1:{development_server.port}/verify-email#token=" in text
    assert ":8000" not in text


def test_serve_says_once_in_a_log_line_that_secret_key_is_random(
    development_server: DevelopmentServer,
) -> None:
    output = development_server.log.read_text()

    assert output.count("secret_key_not_set") == 1, output
    assert "SECRET_KEY" in output
    assert "UserWarning" not in output


def test_other_commands_say_nothing_about_a_missing_secret_key(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        cwd=tmp_path, env=_environment(tmp_path, ENVIRONMENT="development"),
        capture_output=True, text=True, timeout=WAIT_SECONDS, check=False,
    )  # fmt: skip

    assert finished.returncode == 0, finished.stderr
    assert "SECRET_KEY" not in finished.stdout + finished.stderr
    assert finished.stderr == ""


def test_migrate_names_the_revision_it_reached(tmp_path: Path) -> None:
    finished = run_app(tmp_path, "migrate")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == f"database migrated to revision {head_revision()}"


def _depth_lines(log: Path) -> list[dict[str, object]]:
    events = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if event.get("event") == "mail_outbox_depth":
                events.append(event)
    return events


def test_the_worker_logs_its_outbox_queue_depth_periodically(tmp_path: Path) -> None:
    upgrade(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    log = tmp_path / "worker.log"
    environment = _environment(tmp_path, ENVIRONMENT="test", EMAIL_DELIVERY="worker")
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "app", "worker", "--queue-log-seconds", "0.2"],
            cwd=tmp_path, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(lambda: len(_depth_lines(log)) >= 2, "two queue-depth lines", log)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    assert worker.returncode == 0, log.read_text()
    first = _depth_lines(log)[0]
    assert (first["pending"], first["failed"]) == (0, 0)
