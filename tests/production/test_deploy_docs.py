"""The operator's documents: HANDOVER.md has every section C24 asks for (read: it cannot show
that the alerting it describes is set up), every `python -m app COMMAND` it and the deploy
files name is a command the CLI offers, and the URLs it has the uptime monitor probe answer
200 from the app, in process and from a running `python -m app serve` (C24, through the CLI
and HTTP); deploy/cloudflare.md's rule expressions name routes the app really serves (C21)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from httpx import AsyncClient

from app.core.migrations import PROJECT_ROOT
from tests.browser.live_server import LiveServer
from tests.cli.support import run_app

HANDOVER = PROJECT_ROOT / "HANDOVER.md"
CLOUDFLARE = PROJECT_ROOT / "deploy" / "cloudflare.md"
REQUIRED_SECTIONS = (
    "What is live",
    "URLs that matter",
    "What is monitored, and who is alerted",
    "Where logs live",
    "Deploying",
    "Rollback",
    "When a part fails",
    "Key rotation",
    "Backups and restore",
    "Launch-day checklist",
)
FAILURES = ("Database", "Redis", "SMTP", "Stripe", "Cloudflare", "A bad deploy", "A leaked secret")
ROTATIONS = ("SECRET_KEY", "DKIM", "SMTP", "Stripe", "METRICS_TOKEN")
WEBHOOK_ROUTE = "/api/v1/webhooks/stripe"
MONITORING = "What is monitored, and who is alerted"
# What the operator reads and runs: each `python -m app COMMAND` in them must exist.
OPERATOR_FILES = (
    HANDOVER,
    PROJECT_ROOT / "Dockerfile",
    *sorted(path for path in (PROJECT_ROOT / "deploy").rglob("*") if path.is_file()),
)
APP_COMMAND = re.compile(r"python -m app ([a-z][a-z-]*)")
MONITORED_URL = re.compile(r"https://SITE(/[a-z/]*[a-z])")
READY_BODIES = {"/healthz": {"status": "ok"}, "/readyz": {"status": "ready"}}


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def bold_leads(body: str) -> list[str]:
    """The bold words that open each paragraph: the parts a section walks through."""
    return re.findall(r"^\*\*([^*]+)\*\*", body, flags=re.MULTILINE)


@pytest.mark.checklist("C24")
def test_the_handover_has_every_section() -> None:
    found = sections(HANDOVER.read_text())
    missing = [title for title in REQUIRED_SECTIONS if title not in found]
    assert not missing, missing
    for title in REQUIRED_SECTIONS:
        assert len(found[title].split()) > 40, f"{title} is too thin to act on"


@pytest.mark.checklist("C24")
def test_the_handover_says_what_to_do_when_each_part_fails_and_how_to_rotate_each_key() -> None:
    found = sections(HANDOVER.read_text())
    failures = " ".join(bold_leads(found["When a part fails"]))
    assert all(part in failures for part in FAILURES), failures
    rotations = " ".join(bold_leads(found["Key rotation"]))
    assert all(key in rotations for key in ROTATIONS), rotations
    rollback = found["Rollback"]
    for step in ("previous tag", "downgrade", "Tell it worked"):
        assert step in rollback, step


@pytest.mark.checklist("C24")
def test_the_handover_is_honest_about_what_is_not_built() -> None:
    found = sections(HANDOVER.read_text())
    # No image has been built here: the handover says so and has the digest checked.
    assert "No image has been built" in found["What is live"]
    assert "imagetools inspect python:3.11-slim-bookworm" in found["Launch-day checklist"]


def named_commands() -> dict[str, set[str]]:
    """Each `python -m app COMMAND` of the operator's files, with the files naming it."""
    named: dict[str, set[str]] = {}
    for path in OPERATOR_FILES:
        for command in APP_COMMAND.findall(path.read_text()):
            named.setdefault(command, set()).add(path.relative_to(PROJECT_ROOT).as_posix())
    return named


def offered_commands(help_text: str) -> set[str]:
    """The subcommands argparse lists in `python -m app --help`: `{serve,migrate,...}`."""
    choices = re.search(r"\{([a-z,-]+)\}", help_text)
    assert choices, help_text
    return set(choices.group(1).split(","))


@pytest.mark.checklist("C24")
def test_every_app_command_the_handover_and_deploy_files_name_is_offered(tmp_path: Path) -> None:
    named = named_commands()
    assert {"serve", "worker", "migrate", "sentry-test", "create-org"} <= named.keys(), named
    result = run_app(tmp_path, "--help", timeout=60)
    assert result.returncode == 0, result.stderr
    unknown = {
        command: files
        for command, files in named.items()
        if command not in offered_commands(result.stdout)
    }
    assert not unknown, unknown


def monitored_paths() -> set[str]:
    """The paths of the `https://SITE/...` URLs the monitoring section has probed."""
    return set(MONITORED_URL.findall(sections(HANDOVER.read_text())[MONITORING]))


@pytest.mark.checklist("C24")
async def test_the_urls_the_uptime_monitor_probes_answer_200(client: AsyncClient) -> None:
    paths = monitored_paths()
    assert paths == READY_BODIES.keys(), paths
    for path in sorted(paths):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
        assert response.json() == READY_BODIES[path], path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("handover-server"))
    yield live
    live.stop()


@pytest.mark.checklist("C24")
def test_a_running_server_answers_the_monitored_urls_with_200(served: LiveServer) -> None:
    for path in sorted(monitored_paths()):
        response = httpx.get(served.url + path, timeout=10)
        assert response.status_code == 200, (path, response.text)
        assert response.json() == READY_BODIES[path], path


def rule_paths() -> set[str]:
    expressions = re.findall(r"^```\n(\(.*?\))\n```$", CLOUDFLARE.read_text(), re.MULTILINE)
    assert len(expressions) >= 6, "login, signup, reset, magic link, invite accept, webhook"
    paths: set[str] = set()
    for expression in expressions:
        assert expression.count("(") == expression.count(")"), expression
        for listed in re.findall(r"http\.request\.uri\.path in \{([^}]*)\}", expression):
            paths.update(re.findall(r'"([^"]+)"', listed))
        paths.update(re.findall(r'http\.request\.uri\.path eq "([^"]+)"', expression))
    return paths


@pytest.mark.checklist("C21")
def test_cloudflare_doc_names_full_strict_and_every_sensitive_flow() -> None:
    text = CLOUDFLARE.read_text()
    assert "Full (strict)" in text and "Flexible" in text
    assert "Authenticated Origin Pulls" in text and "TRUSTED_PROXIES=cloudflare" in text
    paths = rule_paths()
    for flow in (
        "/api/v1/auth/login", "/api/v1/auth/signup", "/api/v1/auth/password-reset",
        "/api/v1/auth/magic-link", "/api/v1/invites/accept", WEBHOOK_ROUTE,
    ):  # fmt: skip
        assert flow in paths, flow


@pytest.mark.checklist("C21")
async def test_every_path_in_the_cloudflare_rules_is_served_by_the_app(
    client: AsyncClient,
) -> None:
    control = await client.post("/api/v1/auth/no-such-route", json={})
    assert control.status_code == 404, "a path the app does not serve is a 404"
    for path in sorted(rule_paths()):
        response = await client.post(path, json={})
        assert response.status_code not in (404, 405), (path, response.status_code)
