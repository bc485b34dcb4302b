"""A deployment to audit: the app in one real process over TLS, and the audit run against it.

`deployment.audit(*flags, listener="good")` runs `python -m app audit --format json` in
this process against `https://community.example.org`, with `--resolve` pointing its
names at the local ports (http on 80, the chosen TLS listener on 443) and the test CA
as `--ca-bundle` unless `trust=False`; it returns (exit code, rows by id).
`deployment.fault(*names)` switches misconfigurations on for a `with` block.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.__main__ import main
from app.accounts.models import User
from app.core.clock import now
from app.core.migrations import PROJECT_ROOT, upgrade
from tests.edge.servers import free_port, wait_until_answering
from tests.launch_audit.certificates import leaf, new_authority, write_authority, write_pair
from tests.support.smtp_sink import SmtpSink

HOST = "community.example.org"
WWW = f"www.{HOST}"
URL = f"https://{HOST}"
LISTENERS = ("good", "incomplete-chain", "expired", "expiring", "self-signed")
EXPIRING_DAYS = 10
PROBES = 10
PER_IP_LIMITS = ("login_ip", "signup_ip", "magic_link_ip", "password_reset_ip")
RAISED_LIMITS = (*PER_IP_LIMITS, "mail_recipient_cooldown", "mail_recipient_daily")


@dataclass
class Deployment:
    http_port: int
    tls_ports: dict[str, int]
    ca_bundle: Path
    fault_file: Path
    probes: list[str]
    probe_password: str
    capsys: pytest.CaptureFixture[str] | None = None

    def probe(self) -> str:
        """A verified account no audit has used yet: each active run spends its limits."""
        return self.probes.pop()

    @contextmanager
    def fault(self, *names: str) -> Iterator[None]:
        self.fault_file.write_text(",".join(names))
        try:
            yield
        finally:
            self.fault_file.write_text("")

    def resolve_flags(self, listener: str) -> list[str]:
        port = self.tls_ports[listener]
        return [
            "--resolve", f"{HOST}:80:127.0.0.1:{self.http_port}",
            "--resolve", f"{HOST}:443:127.0.0.1:{port}",
            "--resolve", f"{WWW}:443:127.0.0.1:{port}",
        ]  # fmt: skip

    def audit(
        self, *flags: str, listener: str = "good", trust: bool = True
    ) -> tuple[int, dict[str, dict[str, str]]]:
        assert self.capsys is not None, "use the `deployment` fixture"
        bundle = ["--ca-bundle", str(self.ca_bundle)] if trust else []
        argv = ["audit", "--url", URL, "--format", "json", "--timeout", "5"]
        self.capsys.readouterr()
        code = main([*argv, *self.resolve_flags(listener), *bundle, *flags])
        document: dict[str, Any] = json.loads(self.capsys.readouterr().out)
        return code, {check["id"]: check for check in document["checks"]}


def _certificates(folder: Path) -> tuple[Path, dict[str, tuple[Path, Path]]]:
    root = new_authority()
    issuing = new_authority("Roundtable audit test issuing CA", issuer=root)
    chain = (issuing.certificate,)
    hosts = [HOST, WWW]
    good_key, good = leaf(hosts, issuing)
    expired = leaf(hosts, issuing, valid_from=-timedelta(days=100), valid_until=-timedelta(days=10))
    expiring = leaf(hosts, issuing, valid_until=timedelta(days=EXPIRING_DAYS))
    pairs = {
        "good": write_pair(folder, "good", good_key, good, chain),
        "incomplete-chain": write_pair(folder, "incomplete-chain", good_key, good),
        "expired": write_pair(folder, "expired", *expired, chain),
        "expiring": write_pair(folder, "expiring", *expiring, chain),
        "self-signed": write_pair(folder, "self-signed", *leaf(hosts, None)),
    }
    return write_authority(folder, root), {
        name: (pair.certificate, pair.key) for name, pair in pairs.items()
    }


def _environment(folder: Path, smtp_port: int) -> dict[str, str]:
    database_url = f"sqlite+aiosqlite:///{folder / 'deployment.db'}"
    upgrade(database_url)
    cleared = ("DATABASE_URL", "REDIS_URL", "CORS_ORIGINS", "TRUSTED_PROXIES", "DEBUG")
    environment = {key: value for key, value in os.environ.items() if key not in cleared}
    environment.update(
        ENVIRONMENT="test",  # the served app itself is built as production (deployment.py)
        SECRET_KEY=secrets.token_urlsafe(48),
        PUBLIC_URL=URL,
        ALLOWED_HOSTS=f"{HOST},{WWW}",
        DATABASE_URL=database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_STARTTLS="false",
        EMAIL_FROM=f"no-reply@{HOST}",
        MAIL_FOLDER=str(folder / "mail"),
        # Many audits share this process from one IP: the per-IP limits are raised so
        # that each audit meets the documented per-address limits of its own probe, and
        # the per-recipient mail cooldown, so that the enumeration row compares each
        # flow's own answer rather than two cooldown refusals.
        RATE_LIMITS=json.dumps(dict.fromkeys(RAISED_LIMITS, "1000/minute")),
        ARGON2_MEMORY_KIB="8192",
        ARGON2_TIME_COST="1",
        AUDIT_FAULT_FILE=str(folder / "fault"),
        PYTHONPATH=str(PROJECT_ROOT),
    )
    return environment


@contextmanager
def launched(
    folder: Path, smtp_port: int, listeners: tuple[str, ...], **variables: str
) -> Iterator[Deployment]:
    """The deployment process with TLS `listeners` (see LISTENERS) and its probe accounts."""
    ca_bundle, pairs = _certificates(folder)
    http_port = free_port()
    tls_ports = {name: free_port() for name in listeners}
    command = [sys.executable, "-m", "tests.launch_audit.deployment", "--http", str(http_port)]
    for name in listeners:
        certificate, key = pairs[name]
        command += ["--tls", f"{name}:{tls_ports[name]}:{certificate}:{key}"]
    log = folder / "deployment.log"
    environment = {**_environment(folder, smtp_port), **variables}
    password = secrets.token_urlsafe(16)
    probes = asyncio.run(_create_probes(environment["DATABASE_URL"], password))
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_answering(process, f"http://127.0.0.1:{http_port}/readyz", log)
        yield Deployment(http_port, tls_ports, ca_bundle, folder / "fault", probes, password)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def _create_probes(database_url: str, password: str) -> list[str]:
    """Verified accounts for the active rows, written before the deployment starts."""
    password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(password)
    probes = [f"probe-{number}@{HOST}" for number in range(PROBES)]
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine) as db, db.begin():
            for email in probes:
                db.add(
                    User(
                        email=email,
                        password_hash=password_hash,
                        display_name="Probe",
                        email_verified_at=now(),
                    )
                )
    finally:
        await engine.dispose()
    return probes


@pytest.fixture(scope="session")
def served_deployment(
    tmp_path_factory: pytest.TempPathFactory, smtp_sink: SmtpSink
) -> Iterator[Deployment]:
    with launched(tmp_path_factory.mktemp("deployment"), smtp_sink.port, LISTENERS) as served:
        yield served


@pytest.fixture(scope="session")
def served_without_limits(
    tmp_path_factory: pytest.TempPathFactory, smtp_sink: SmtpSink
) -> Iterator[Deployment]:
    """The same deployment with RATE_LIMITS_ENABLED=false: a real misconfiguration."""
    folder = tmp_path_factory.mktemp("unlimited")
    with launched(folder, smtp_sink.port, ("good",), RATE_LIMITS_ENABLED="false") as served:
        yield served


def _in_test(served: Deployment, capsys: pytest.CaptureFixture[str]) -> Iterator[Deployment]:
    served.capsys = capsys
    served.fault_file.write_text("")
    yield served
    served.capsys = None


@pytest.fixture
def deployment(
    served_deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> Iterator[Deployment]:
    yield from _in_test(served_deployment, capsys)


@pytest.fixture
def deployment_without_limits(
    served_without_limits: Deployment, capsys: pytest.CaptureFixture[str]
) -> Iterator[Deployment]:
    yield from _in_test(served_without_limits, capsys)
