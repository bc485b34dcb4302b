"""schemathesis against the app's own OpenAPI schema (issue 19), anonymous and logged in.

A real server process on a database of the suite's kind (SQLite, or PostgreSQL in
that leg) seeded with the test world, rate limits off. schemathesis runs its
examples, coverage, fuzzing and stateful phases (links inferred from the schema: create,
then read) on every operation, once without credentials and once as a member (session
cookie and X-CSRF-Token header), with these checks: no 5xx, a 405 for an unsupported
method, `Allow` listing exactly the path's methods, every status documented, no
schema-valid request refused. There is no baseline of accepted findings: any finding
fails. `schemathesis.toml` beside this file says the one thing the schema states that
the default checks do not read: where an operation documents 400 (a token, signature or
cursor of its own), a schema-valid request may get it. `hooks.py` gives each request a
new Idempotency-Key (the fuzzer reuses a few across bodies, which is 422 by design) and
lets checkout's documented 503 on a server without Stripe keys through.
Bounded: FUZZ_EXAMPLES examples per operation and a fixed seed, one to two minutes per
caller. The longer run:
`FUZZ_EXAMPLES=500 uv run pytest tests/fuzz`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.core.database import Database
from app.core.migrations import PROJECT_ROOT, upgrade
from app.core.security import csrf_token_for
from tests.conftest import make_settings
from tests.edge.servers import free_port, wait_until_answering
from tests.support.scratch_database import scratch_database
from tests.support.smtp_sink import SmtpSink
from tests.support.world import seed_world

HERE = Path(__file__).resolve().parent
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SEED = "20261205"
# They end the session the member run uses (and are fuzzed in the anonymous run). The
# stateful phase would feed GET /me/sessions' own id into the DELETE.
SESSION_ENDING = (
    "/api/v1/auth/logout",
    "/api/v1/auth/logout-all",
    "/api/v1/me/sessions/{session_id}",
)
CHECKS = ",".join(
    [
        "not_a_server_error",
        "unsupported_method",
        "allow_header_conformance",
        "status_code_conformance",
        "positive_data_acceptance",
    ]
)


@dataclass(frozen=True)
class Served:
    url: str
    member_headers: list[str]
    member_cookie: tuple[str, str]


@pytest.fixture
async def served(database_url: str, smtp_sink: SmtpSink, tmp_path: Path) -> AsyncIterator[Served]:
    secret = secrets.token_urlsafe(48)
    port = free_port()
    async with scratch_database(database_url, tmp_path) as url:
        upgrade(url)
        settings = make_settings(url, smtp_sink.port, secret_key=secret)
        database = Database(settings)
        async with database.sessionmaker() as db:
            world = await seed_world(db, settings)
        await database.dispose()
        member = world.people["member"]
        csrf = csrf_token_for(member.session_token, settings.signing_key())
        environment = {
            **os.environ,
            "ENVIRONMENT": "test",
            "SECRET_KEY": secret,
            "DATABASE_URL": url,
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "RATE_LIMITS_ENABLED": "false",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_sink.port),
            "SMTP_STARTTLS": "false",
            "EMAIL_FROM": "no-reply@roundtable.test",
            # Set, so the webhook answers the fuzzer's unsigned bodies 400 (not 503).
            "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(24),
        }
        environment.pop("REDIS_URL", None)
        log = tmp_path / "serve.log"
        process = _serve(port, environment, log)
        try:
            wait_until_answering(process, f"http://127.0.0.1:{port}/healthz", log)
            yield Served(
                f"http://127.0.0.1:{port}",
                [
                    "-H", f"Cookie: {settings.session_cookie_name}={member.session_token}",
                    "-H", f"X-CSRF-Token: {csrf}",
                ],
                (settings.session_cookie_name, member.session_token),
            )  # fmt: skip
        finally:
            process.terminate()
            process.wait(timeout=30)


def _serve(port: int, environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "app", "serve", "--port", str(port)]
    with log.open("wb") as output:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )


def _schemathesis(served: Served, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml"),
        "run", f"{served.url}/openapi.json",
        "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", SEED,
        "--phases", "examples,coverage,fuzzing,stateful", "--workers", "1",
        "--suppress-health-check", "all", "--request-timeout", "10", *extra,
    ]  # fmt: skip
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "hooks"}  # tests/fuzz/hooks.py
    return subprocess.run(
        command, cwd=HERE, env=environment, capture_output=True, text=True, timeout=600, check=False
    )


def test_anonymous_fuzzing_finds_nothing(served: Served) -> None:
    run = _schemathesis(served)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-2000:]


def test_member_fuzzing_finds_nothing(served: Served) -> None:
    keep_session = [f"--exclude-path={path}" for path in SESSION_ENDING]
    run = _schemathesis(served, *served.member_headers, *keep_session)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-2000:]
    assert _member_session_is_alive(served), "the member run ended its own session"


def _member_session_is_alive(served: Served) -> bool:
    """A run whose session died mid-way met 401s only and proved nothing past that."""
    name, token = served.member_cookie
    response = httpx.get(f"{served.url}/api/v1/me", cookies={name: token}, timeout=10)
    return response.status_code == 200
