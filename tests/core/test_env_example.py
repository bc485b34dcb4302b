"""C17: `.env.example` holds placeholders only, and a developer can copy it as it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.migrations import PROJECT_ROOT
from app.core.settings import Settings, production_problems

pytestmark = pytest.mark.checklist("C17")

EXAMPLE = PROJECT_ROOT / ".env.example"
SECRET_NAMES = re.compile(r"(SECRET|PASSWORD|DSN|PRIVATE_KEY|SECRET_KEY)$")


def assignments(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        line = line.lstrip("# ").strip()
        if re.match(r"^[A-Z_]+=", line):
            name, _, value = line.partition("=")
            found[name] = value.split()[0] if value.split() else ""
    return found


def test_every_secret_in_the_example_is_a_placeholder() -> None:
    secrets = {k: v for k, v in assignments(EXAMPLE.read_text()).items() if SECRET_NAMES.search(k)}
    assert secrets, "the example names the secrets it expects"
    assert all("change-me" in value for value in secrets.values()), secrets


def test_its_secret_key_would_be_refused_in_production() -> None:
    key = assignments(EXAMPLE.read_text())["SECRET_KEY"]
    problems = production_problems(
        Settings(_env_file=None, environment="production", secret_key=key)
    )
    assert any("SECRET_KEY" in problem for problem in problems)


def test_a_copy_of_it_loads_as_the_development_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(EXAMPLE.read_text())
    monkeypatch.chdir(tmp_path)
    for name in ("ENVIRONMENT", "DATABASE_URL", "SMTP_HOST", "REDIS_URL", "RATE_LIMITS"):
        monkeypatch.delenv(name, raising=False)
    loaded = Settings(_env_file=".env")
    assert loaded.environment == "development"
    assert loaded.smtp_host is None
    assert loaded.dkim_private_key_file is None
