"""The services the PostgreSQL test run needs: check them, and start only what is down.

python tools/services.py ready   # exit 0 when PostgreSQL and Redis answer
python tools/services.py start   # start whichever does not answer, then wait
"""

from __future__ import annotations

import glob
import os
import socket
import subprocess
import sys
import time

SERVICES = {
    "postgresql": ("127.0.0.1", 5432),
    "redis": ("127.0.0.1", 6379),
}


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _start_command(name: str) -> list[str]:
    if name == "postgresql":
        versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
        if not versions:
            raise SystemExit("PostgreSQL is not running and not installed here")
        return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]
    return [
        "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
        "--save", "", "--appendonly", "no",
    ]  # fmt: skip


def start() -> int:
    for name, (host, port) in SERVICES.items():
        if answers(host, port):
            continue
        print(f"starting {name}", file=sys.stderr)
        subprocess.run(_start_command(name), check=True)  # noqa: S603
        deadline = time.monotonic() + 30
        while not answers(host, port):
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} did not come up")
            time.sleep(0.5)
    return 0


def ready() -> int:
    down = [name for name, address in SERVICES.items() if not answers(*address)]
    for name in down:
        print(f"{name} does not answer", file=sys.stderr)
    return 1 if down else 0


if __name__ == "__main__":
    actions = {"ready": ready, "start": start}
    if len(sys.argv) != 2 or sys.argv[1] not in actions:
        raise SystemExit(__doc__)
    sys.exit(actions[sys.argv[1]]())
