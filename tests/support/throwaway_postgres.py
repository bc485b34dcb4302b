"""A throw-away PostgreSQL server in a temp dir on a free port, for fault tests.

Started with `initdb` + `pg_ctl`; stopped and started again by the test to simulate
an outage. Never the machine's shared server. As root, runs as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser: cannot start a throw-away PostgreSQL")
    return [runuser, "-u", "postgres", "--"]


class ThrowawayPostgres:
    def __init__(self, folder: Path) -> None:
        initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
        if initdb is None or pg_ctl is None:
            pytest.skip("initdb/pg_ctl not on PATH: no throw-away PostgreSQL for fault tests")
        self._initdb, self._pg_ctl = initdb, pg_ctl
        self._prefix = _as_server_user()
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self._prefix, *args], check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._prefix:
            shutil.chown(self.folder, "postgres")
        self._run(self._initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            self._pg_ctl,
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        self._run(self._pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")

    def stop_quietly(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop()
