"""`python -m app create-org` bootstraps an org and its owner without the API."""

from __future__ import annotations

import os
import subprocess
import sys

from httpx import AsyncClient

from app.core.migrations import PROJECT_ROOT
from app.core.settings import Settings
from tests.support.accounts import verified_member
from tests.support.smtp_sink import SmtpSink


def run_create_org(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.signing_key(),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", "create-org", *args],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


async def test_create_org_makes_an_existing_user_owner(
    settings: Settings, client: AsyncClient, smtp_sink: SmtpSink
) -> None:
    await verified_member(client, smtp_sink, "coach@example.org")
    finished = run_create_org(
        settings, "--name", "Coach Co", "--slug", "coach-co", "--owner-email", "Coach@Example.org"
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    orgs = (await client.get("/api/v1/me/orgs")).json()["items"]
    assert [(o["slug"], o["role"]) for o in orgs] == [("coach-co", "owner")]


async def test_create_org_refuses_a_taken_slug(settings: Settings, client: AsyncClient) -> None:
    first = run_create_org(
        settings, "--name", "A", "--slug", "taken", "--owner-email", "a@example.org"
    )
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_create_org(
        settings, "--name", "B", "--slug", "taken", "--owner-email", "b@example.org"
    )
    assert second.returncode == 1
    assert "slug" in second.stdout


def test_create_org_refuses_a_bad_slug(settings: Settings) -> None:
    finished = run_create_org(
        settings, "--name", "A", "--slug", "Not A Slug", "--owner-email", "a@example.org"
    )
    assert finished.returncode == 2
