"""C23: the restore drill of HANDOVER.md ("Backups and restore"), run for real on PostgreSQL.

Members, an org, a space and a post are written through the app; `deploy/backup.sh dump`
(pg_dump, custom format) backs the database up, `deploy/backup.sh restore` (pg_restore,
then the migrations) puts the dump into a fresh, empty database, and an app pointed at
that database logs the member in and serves the same data over HTTP. The script runs as
written: only `docker compose` is stood in for (tests/production/fake_docker.py), so its
pg_dump and pg_restore run on this machine's PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url

from app.core.migrations import PROJECT_ROOT, upgrade
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import PUBLIC_URL, make_settings
from tests.support.accounts import log_in, verified_member
from tests.support.orgs import create_org
from tests.support.scratch_database import scratch_database
from tests.support.smtp_sink import SmtpSink

pytestmark = [pytest.mark.checklist("C23"), pytest.mark.manages_database]

BACKUP_SCRIPT = PROJECT_ROOT / "deploy" / "backup.sh"
FAKE_DOCKER = Path(__file__).with_name("fake_docker.py")
TITLE = "Minutes of the first meeting"


@asynccontextmanager
async def client_of(settings: Settings) -> AsyncIterator[AsyncClient]:
    application: FastAPI = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            yield client


def backup(
    folder: Path, database_url: str, *args: str, **variables: str
) -> subprocess.CompletedProcess[str]:
    """`deploy/backup.sh ARGS` with `docker compose` aimed at `database_url`."""
    bin_folder = folder / "bin"
    if not bin_folder.exists():
        bin_folder.mkdir()
        docker = bin_folder / "docker"
        docker.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_DOCKER}" "$@"\n')
        docker.chmod(0o755)
    url = make_url(database_url)
    environment = {
        **os.environ,
        "PATH": f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}",
        "BACKUP_DIR": str(folder / "backups"),
        "DRILL_LOG": str(folder / "docker-calls.log"),
        "DRILL_DATABASE": str(url.database),
        "DRILL_DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
    }
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    environment.update(variables)
    return subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(BACKUP_SCRIPT), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def write_through_the_app(client: AsyncClient, sink: SmtpSink) -> tuple[str, str]:
    """A verified member who owns an org with a space and a published post."""
    member = await verified_member(client, sink, "drill@example.org")
    org_id = await create_org(client, "Restore Drill", "drill")
    space = await client.post(f"/api/v1/orgs/{org_id}/spaces", json={"name": "Notes"})
    assert space.status_code == 201, space.text
    post = await client.post(
        f"/api/v1/orgs/{org_id}/spaces/{space.json()['id']}/posts",
        json={"title": TITLE, "body": "All present.", "status": "published"},
    )
    assert post.status_code == 201, post.text
    return member.email, f"/api/v1/orgs/{org_id}/posts/{post.json()['id']}"


async def test_a_dump_restored_into_a_fresh_database_serves_the_same_data(
    database_url: str, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("the restore drill runs on PostgreSQL (set DATABASE_URL)")
    async with (
        scratch_database(database_url, tmp_path) as source,
        scratch_database(database_url, tmp_path) as fresh,
    ):
        upgrade(source)
        async with client_of(make_settings(source, smtp_sink.port)) as client:
            email, post_path = await write_through_the_app(client, smtp_sink)

        dumped = backup(tmp_path, source, "dump")
        assert dumped.returncode == 0, dumped.stderr
        listed = backup(tmp_path, source, "list")
        dump_file = listed.stdout.split()[0]
        restored = backup(tmp_path, fresh, "restore", dump_file)
        assert restored.returncode == 0, restored.stderr + restored.stdout

        async with client_of(make_settings(fresh, smtp_sink.port)) as client:
            assert (await log_in(client, email)).status_code == 200
            post = await client.get(post_path)
            assert post.status_code == 200, post.text
            assert post.json()["title"] == TITLE
            assert (await client.get("/readyz")).status_code == 200
    calls = [line.split()[3] for line in (tmp_path / "docker-calls.log").read_text().splitlines()]
    assert calls == ["exec", "exec", "stop", "exec", "run", "up"]


def aged(path: Path, days: int) -> Path:
    path.write_bytes(b"an earlier dump")
    then = time.time() - days * 86400
    os.utime(path, (then, then))
    return path


async def test_a_dump_deletes_only_dumps_older_than_the_retention(
    database_url: str, tmp_path: Path
) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("backup.sh dump runs pg_dump on PostgreSQL (set DATABASE_URL)")
    backups = tmp_path / "backups"
    backups.mkdir()
    expired = aged(backups / "roundtable-20260101T031700Z.dump", days=20)
    kept = aged(backups / "roundtable-20260115T031700Z.dump", days=5)
    unrelated = aged(backups / "notes.txt", days=40)
    async with scratch_database(database_url, tmp_path) as source:
        upgrade(source)
        dumped = backup(tmp_path, source, "dump", RETENTION_DAYS="14")
    assert dumped.returncode == 0, dumped.stderr
    assert not expired.exists()
    assert kept.exists() and unrelated.exists()
    assert len(list(backups.glob("roundtable-*.dump"))) == 2, "the kept one and tonight's"
    assert f"backup removed (older than 14 days): {expired}" in dumped.stdout
