"""An operator's mistake is one line saying what is wrong and what to do, never a traceback.

Exit code 2 for bad usage or configuration, 1 for an operation that failed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.support import one_line, run_app
from tests.mail.dns_server import LocalDnsServer


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unknown_environment_is_one_line_naming_the_variable_and_its_values(
    tmp_path: Path,
) -> None:
    finished = run_app(tmp_path, "migrate", ENVIRONMENT="prod")

    assert finished.returncode == 2
    line = one_line(finished.stderr)
    assert "ENVIRONMENT" in line and "'production'" in line and "'prod'" in line


def test_a_production_config_missing_settings_is_one_line_naming_each(tmp_path: Path) -> None:
    finished = run_app(tmp_path, "migrate", ENVIRONMENT="production", SECRET_KEY="")

    assert finished.returncode == 2
    line = one_line(finished.stderr)
    assert "SECRET_KEY" in line and "PUBLIC_URL" in line


def test_migrate_against_an_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://roundtable@127.0.0.1:{_closed_port()}/roundtable"

    finished = run_app(tmp_path, "migrate", DATABASE_URL=url)

    assert finished.returncode == 1
    line = one_line(finished.stderr)
    assert "cannot reach the database" in line and "DATABASE_URL" in line


def test_an_unknown_database_host_is_one_line(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://roundtable@db.invalid/roundtable"

    finished = run_app(tmp_path, "migrate", DATABASE_URL=url)

    assert finished.returncode == 1
    assert "cannot reach the database" in one_line(finished.stderr)


def test_create_org_on_an_unmigrated_database_says_to_run_migrate(tmp_path: Path) -> None:
    finished = run_app(
        tmp_path, "create-org", "--name", "Acme", "--slug", "acme", "--owner-email", "a@example.org"
    )

    assert finished.returncode == 1
    line = one_line(finished.stderr)
    assert "not migrated" in line and "python -m app migrate" in line


@pytest.mark.parametrize("nameserver", ["not_a_host", "192.0.2.53:99999", "ns.example.org"])
def test_dns_records_with_a_bad_nameserver_is_one_line_of_usage(
    tmp_path: Path, nameserver: str
) -> None:
    finished = run_app(tmp_path, "dns-records", "--check", "--nameserver", nameserver)

    assert finished.returncode == 2
    line = one_line(finished.stderr)
    assert "--nameserver" in line and "--help" in line


def test_an_unknown_option_is_one_line_of_usage(tmp_path: Path) -> None:
    finished = run_app(tmp_path, "serve", "--port", "eighty")

    assert finished.returncode == 2
    assert "--port" in one_line(finished.stderr)


@pytest.fixture
def broken_dns() -> Iterator[LocalDnsServer]:
    server = LocalDnsServer()
    server.failing = True
    server.start()
    yield server
    server.stop()


def test_dns_check_says_the_lookup_failed_when_the_dns_does_not_answer(
    tmp_path: Path, broken_dns: LocalDnsServer
) -> None:
    finished = run_app(
        tmp_path, "dns-records", "--check", "--domain", "offline.example",
        "--nameserver", broken_dns.address,
    )  # fmt: skip

    assert finished.returncode == 1
    verdicts = [line for line in finished.stdout.splitlines() if not line.startswith(";")]
    assert len(verdicts) == 3, finished.stdout
    assert all("lookup" in line and "failed" in line for line in verdicts)
    assert "no SPF record" not in finished.stdout
