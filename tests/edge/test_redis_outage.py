"""A throw-away redis-server stopped while limits are on, then started again (issue 19).

Its own `redis-server --port N` in a temp dir (never the shared one on 6379): while it
is down the limited route keeps answering and is limited per process; once it is back
the shared counters are used again.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from app.core.clock import clock
from app.core.ratelimit import OUTAGE_RETRY
from tests.edge.conftest import EdgeApps
from tests.edge.servers import free_port
from tests.edge.test_rate_limit_storage import statuses

pytestmark = pytest.mark.checklist("C14")


class ThrowawayRedis:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server not on PATH: no throw-away Redis for the outage test")
        self.binary = binary
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="rt-fault-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("throw-away redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


async def test_limits_hold_per_process_while_redis_is_stopped_and_shared_again_after(
    edge: EdgeApps, throwaway_redis: ThrowawayRedis
) -> None:
    shared = {
        "redis_url": throwaway_redis.url,
        "rate_limit_key_prefix": f"outage-{secrets.token_hex(6)}",
        "secret_key": secrets.token_urlsafe(48),
        "rate_limits": {"login_ip": "3/minute"},
    }
    first = await edge.client(await edge.build(**shared))
    second = await edge.client(await edge.build(**shared))
    assert await statuses(first, 1) == [200]  # counted in Redis

    throwaway_redis.stop()
    assert await statuses(first, 4) == [200, 200, 200, 429]  # answered, limited locally

    throwaway_redis.start()  # empty again: nothing was persisted
    clock.freeze()
    clock.advance(OUTAGE_RETRY + timedelta(seconds=1))
    assert await statuses(first, 1) == [200]  # counted in Redis again
    assert await statuses(second, 3) == [200, 200, 429]  # sees the first app's hit
