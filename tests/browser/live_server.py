"""A real `python -m app serve` on a free port: a fresh SQLite file, mail as files."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

from app.core.migrations import PROJECT_ROOT
from tests.edge.servers import free_port, wait_until_answering


class LiveServer:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mail = folder / "mail"
        self.log = folder / "serve.log"
        env = {
            **os.environ,
            "ENVIRONMENT": "development",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'browser.db'}",
            "MAIL_FOLDER": str(self.mail),
            "PUBLIC_URL": self.url,
            "RATE_LIMITS_ENABLED": "false",
        }
        env.pop("REDIS_URL", None)
        app = [sys.executable, "-m", "app"]
        subprocess.run([*app, "migrate"], cwd=PROJECT_ROOT, env=env, check=True, timeout=120)
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [*app, "serve", "--port", str(self.port)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_answering(self.process, f"{self.url}/healthz", self.log)

    async def link_mailed_to(self, address: str, path: str, timeout: float = 10.0) -> str:
        """The newest link to `path` in a mail to `address`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            link = self._newest_link(address, path)
            if link is not None:
                return link
            await asyncio.sleep(0.05)
        raise AssertionError(f"no mail to {address} with a link to {path}")

    def _newest_link(self, address: str, path: str) -> str | None:
        newest_first = sorted(
            self.mail.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for eml in newest_first:
            mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
            if address.lower() not in str(mail["To"]).lower():
                continue
            body = mail.get_body(preferencelist=("plain",))
            text = str(body.get_content()) if body is not None else ""
            found = re.search(re.escape(self.url + path) + r"\S*", text)
            if found:
                return found.group(0)
        return None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
