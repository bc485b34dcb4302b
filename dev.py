"""Set-up and run on a machine that has only Python 3.11+: `python3 dev.py serve|test`.

Finds uv (on PATH, or installs it into `.tools/`), then lets uv install the locked
dependencies into `.venv/` and run the command. Extra arguments are passed on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
COMMANDS = {
    "serve": ["python", "-m", "app", "serve"],
    "test": ["pytest"],
    "app": ["python", "-m", "app"],
}


def _uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    bin_dir = TOOLS / ("Scripts" if os.name == "nt" else "bin")
    uv = bin_dir / ("uv.exe" if os.name == "nt" else "uv")
    if not uv.exists():
        print("installing uv into .tools/ (once)", file=sys.stderr)
        venv.create(TOOLS, with_pip=True)
        pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "uv"]
        subprocess.run(pip, check=True)  # noqa: S603
    return str(uv)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [args...]", file=sys.stderr)
        return 2
    command = [_uv(), "run", "--locked", *COMMANDS[argv[0]], *argv[1:]]
    return subprocess.call(command, cwd=ROOT)  # noqa: S603


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
