"""The operator's documents: HANDOVER.md has every section C24 asks for (read, a unit test:
it cannot show that the alerting it describes is set up), and deploy/cloudflare.md's rule
expressions name routes the app really serves (C21), through HTTP."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient

from app.core.migrations import PROJECT_ROOT

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
    text = HANDOVER.read_text()
    # No image has been built here: the handover must say the digest is a placeholder.
    assert "placeholder" in sections(text)["Launch-day checklist"], "the base digest"


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
