"""A stand-in for `docker compose` so that deploy/backup.sh runs as written, here.

Put on PATH as `docker` by tests/production/test_restore_drill.py. It understands the
four calls backup.sh makes:

- `compose ... exec -T postgres CMD ARGS`: CMD (pg_dump, pg_restore) runs on this machine
  against DRILL_DATABASE, as the postgres user of the PostgreSQL that PGHOST and PGPORT
  name (backup.sh's `--username=roundtable --dbname=roundtable` are swapped for those);
- `compose ... run --rm migrate`: `python -m app migrate` on DRILL_DATABASE_URL;
- `compose ... stop|up ...`: recorded in DRILL_LOG, nothing else.

Every call is appended to DRILL_LOG, one line each, so the test can check the order.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    with open(os.environ["DRILL_LOG"], "a") as log:
        log.write(" ".join(argv) + "\n")
    words = argv[argv.index("compose") + 1 :]
    while words and words[0].startswith("--file"):
        words = words[1:] if "=" in words[0] else words[2:]
    action, rest = words[0], words[1:]
    if action == "exec":
        return _exec([word for word in rest if word != "-T"][1:])
    if action == "run" and rest[-1] == "migrate":
        environment = {**os.environ, "DATABASE_URL": os.environ["DRILL_DATABASE_URL"]}
        command = [sys.executable, "-m", "app", "migrate"]
        project = Path(__file__).resolve().parents[2]
        return subprocess.run(command, cwd=project, env=environment, check=False).returncode
    if action in ("stop", "up"):
        return 0
    print(f"fake docker: unexpected call {argv}", file=sys.stderr)
    return 2


def _exec(command: list[str]) -> int:
    swapped = {
        "--username=roundtable": f"--username={os.environ['PGUSER']}",
        "--dbname=roundtable": f"--dbname={os.environ['DRILL_DATABASE']}",
    }
    return subprocess.run([swapped.get(word, word) for word in command], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
