"""C18: production refuses to start on unsafe configuration, naming the variable."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import warnings
from functools import lru_cache

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.core.migrations import PROJECT_ROOT
from app.core.settings import ConfigurationError, load_settings

pytestmark = pytest.mark.checklist("C18")


@lru_cache(maxsize=1)
def dkim_key_pem() -> str:
    """A DKIM key made at test time (never a committed one)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def production(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "environment": "production",
        "secret_key": secrets.token_urlsafe(48),
        "public_url": "https://community.example.org",
        "database_url": "postgresql+asyncpg://app@db/app",
        "smtp_host": "smtp.example.org",
        "email_from": "no-reply@community.example.org",
        "dkim_selector": "rt1",
        "dkim_private_key": dkim_key_pem(),
        "redis_url": "redis://redis:6379/0",
    }
    values.update(overrides)
    return values


def refusal(**overrides: object) -> str:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(**production(**overrides))
    return str(refused.value)


def test_a_safe_production_configuration_starts() -> None:
    assert load_settings(**production()).is_production


def test_missing_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert "SECRET_KEY is missing" in refusal(secret_key=None)


def test_short_secret_key_is_refused() -> None:
    assert "SECRET_KEY is shorter than 32 bytes" in refusal(secret_key="a1b2c3d4e5f6")


@pytest.mark.parametrize(
    "placeholder",
    ["change-me-to-64-random-characters-please-please", "x" * 40, "placeholder-" * 4],
)
def test_placeholder_secret_key_is_refused(placeholder: str) -> None:
    assert "SECRET_KEY is a placeholder" in refusal(secret_key=placeholder)


def test_plain_http_public_url_is_refused() -> None:
    assert "PUBLIC_URL" in refusal(public_url="http://community.example.org")


def test_sqlite_database_is_refused() -> None:
    assert "DATABASE_URL" in refusal(database_url="sqlite+aiosqlite:///./prod.db")


def test_wildcard_allowed_hosts_are_refused() -> None:
    assert "ALLOWED_HOSTS" in refusal(allowed_hosts="*")


def test_wildcard_cors_origins_are_refused() -> None:
    assert "CORS_ORIGINS" in refusal(cors_origins="https://app.example.org,*")


def test_missing_mail_settings_are_refused() -> None:
    assert "SMTP_HOST" in refusal(smtp_host=None)


def test_localhost_sender_is_refused() -> None:
    assert "EMAIL_FROM" in refusal(email_from="no-reply@localhost")


def test_a_missing_dkim_key_is_refused() -> None:
    assert "DKIM_PRIVATE_KEY" in refusal(dkim_private_key=None)


def test_a_missing_dkim_selector_is_refused() -> None:
    assert "DKIM_SELECTOR" in refusal(dkim_selector=None)


def test_a_missing_redis_url_is_refused() -> None:
    assert "REDIS_URL is missing" in refusal(redis_url=None)


def test_debug_is_refused() -> None:
    assert "DEBUG" in refusal(debug=True)


def test_every_problem_is_named_at_once() -> None:
    message = refusal(secret_key=None, public_url="http://x.org", debug=True)
    assert all(name in message for name in ("SECRET_KEY", "PUBLIC_URL", "DEBUG"))


def test_development_without_secret_key_uses_a_random_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the commands that care log it; no raw warning
        first = load_settings(environment="development")
    assert first.secret_key_is_random
    second = load_settings(environment="test")
    assert first.signing_key() != second.signing_key()
    assert len(first.signing_key()) >= 32


def test_production_serve_without_settings_exits_naming_secret_key_and_redis_url() -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "SMTP_HOST", "REDIS_URL"}
    }
    environment["ENVIRONMENT"] = "production"
    finished = subprocess.run(
        [sys.executable, "-m", "app", "serve"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode != 0
    assert "SECRET_KEY" in finished.stderr
    assert "REDIS_URL is missing" in finished.stderr
