"""Configuration, read from the environment (and a `.env` file in development only).

Every variable of the public contract lives here. `production_problems` lists what
would make a production start unsafe; `load_settings` refuses to start on any.
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import structlog
from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.middleware.trusted_proxy import TrustedProxies
from app.core.ratelimit_defaults import DEFAULT_RATE_LIMITS, merged_rate_limits

MIN_SECRET_BYTES = 32
KNOWN_PLACEHOLDERS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "your-secret-key",
        "replace-me",
        "placeholder",
        "please-change-this-secret-key-now",
    }
)
PLACEHOLDER_MARKERS = ("change-me", "changeme", "replace-me", "placeholder", "example", "xxxx")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class EmailDelivery(StrEnum):
    INLINE = "inline"
    WORKER = "worker"


CommaList = Annotated[list[str], NoDecode]


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


# Shorter values are left alone: replacing "abc" in every log line would hide more than secrets.
MIN_REDACTED_SECRET_CHARS = 6


def _url_password(url: str) -> str:
    return urlsplit(url).password or ""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)
    _random_secret_key: bool = PrivateAttr(default=False)

    environment: Environment = Environment.DEVELOPMENT
    secret_key: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///./roundtable.db"
    public_url: str = "http://127.0.0.1:8000"
    allowed_hosts: CommaList = Field(default_factory=list)
    cors_origins: CommaList = Field(default_factory=list)
    redis_url: str | None = None
    trusted_proxies: CommaList = Field(default_factory=list)

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_implicit_tls: bool = False
    smtp_timeout_seconds: float = 10.0
    email_from: str = "no-reply@localhost"
    dkim_selector: str | None = None
    dkim_private_key: SecretStr | None = None
    dkim_private_key_file: Path | None = None
    email_delivery: EmailDelivery = EmailDelivery.INLINE
    mail_folder: Path = Path("./var/mail")
    mail_max_attempts: int = 8
    dmarc_report_address: str | None = None

    stripe_webhook_secret: SecretStr | None = None
    stripe_secret_key: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"  # tests point it at a local stand-in
    sentry_dsn: SecretStr | None = None
    # Who may read /metrics in production: a bearer token, or clients in these CIDRs.
    metrics_token: SecretStr | None = None
    metrics_allowed: CommaList = Field(default_factory=list)
    allow_org_creation: bool | None = None
    rate_limits_enabled: bool = True
    rate_limits: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    rate_limit_key_prefix: str | None = None  # Redis key prefix; apps sharing one share limits

    debug: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1_048_576
    log_level: str = "INFO"

    session_idle_minutes: int = 7 * 24 * 60
    session_absolute_hours: int = 30 * 24
    argon2_memory_kib: int = 19_456
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1
    password_hash_concurrency: int = 2

    # Database trouble (docs/resilience.md): fail fast with 503 rather than hang.
    database_pool_timeout_seconds: float = 3.0
    database_connect_timeout_seconds: float = 3.0
    database_statement_timeout_ms: int = 10_000
    database_lock_timeout_ms: int = 3_000
    # SIGTERM (docs/resilience.md): in-flight requests get this long to finish.
    shutdown_timeout_seconds: int = 20

    _split = field_validator(
        "allowed_hosts", "cors_origins", "trusted_proxies", "metrics_allowed", mode="before"
    )(_split_commas)

    @field_validator("rate_limits")
    @classmethod
    def _complete_rate_limits(cls, value: dict[str, str]) -> dict[str, str]:
        return merged_rate_limits(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: list[str]) -> list[str]:
        TrustedProxies.parse(value)
        return value

    @field_validator("metrics_allowed")
    @classmethod
    def _check_metrics_allowed(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ip_network(network, strict=False)
            except ValueError:
                raise ValueError(
                    f"METRICS_ALLOWED: {network!r} is not an address or CIDR"
                ) from None
        return value

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if self.allow_org_creation is None:
            self.allow_org_creation = self.environment != Environment.PRODUCTION
        if not self.allowed_hosts:
            self.allowed_hosts = _default_hosts(self.public_url, self.environment)
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == Environment.PRODUCTION

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def public_is_https(self) -> bool:
        return urlsplit(self.public_url).scheme == "https"

    @property
    def session_cookie_name(self) -> str:
        return "__Host-session" if self.is_production else "session"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def dkim_key_pem(self) -> bytes | None:
        if self.dkim_private_key is not None:
            return self.dkim_private_key.get_secret_value().encode()
        if self.dkim_private_key_file is not None:
            return self.dkim_private_key_file.read_bytes()
        return None

    def secret_values(self) -> list[str]:
        """Every configured secret, and the passwords inside the service URLs, for log redaction."""
        values = [
            value.get_secret_value()
            for value in self.__dict__.values()
            if isinstance(value, SecretStr)
        ]
        values += [_url_password(url) for url in (self.database_url, self.redis_url) if url]
        return [value for value in values if len(value) >= MIN_REDACTED_SECRET_CHARS]

    @property
    def secret_key_is_random(self) -> bool:
        """SECRET_KEY was not set: `load_settings` made one up for this process."""
        return self._random_secret_key

    def signing_key(self) -> str:
        """The secret for signed tokens; only ever None before `load_settings` ran."""
        if self.secret_key is None:
            raise RuntimeError("SECRET_KEY is not set")
        return self.secret_key.get_secret_value()


def _default_hosts(public_url: str, environment: Environment) -> list[str]:
    host = urlsplit(public_url).hostname or "127.0.0.1"
    hosts = [host]
    if environment != Environment.PRODUCTION:
        hosts += ["localhost", "127.0.0.1", "testserver"]
    return list(dict.fromkeys(hosts))


def _looks_like_placeholder(value: str) -> bool:
    lowered = value.lower()
    if lowered in KNOWN_PLACEHOLDERS:
        return True
    if len(set(lowered)) <= 2:
        return True
    return any(marker in lowered for marker in PLACEHOLDER_MARKERS)


def production_problems(settings: Settings) -> list[str]:
    """Every reason this configuration must not serve production, each naming its variable."""
    problems: list[str] = []
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if not secret:
        problems.append("SECRET_KEY is missing")
    elif len(secret.encode()) < MIN_SECRET_BYTES:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes")
    elif _looks_like_placeholder(secret):
        problems.append("SECRET_KEY is a placeholder value")
    if not settings.public_is_https:
        problems.append("PUBLIC_URL must be an https:// URL")
    if settings.is_sqlite:
        problems.append("DATABASE_URL must not be SQLite in production")
    if any("*" in host for host in settings.allowed_hosts):
        problems.append("ALLOWED_HOSTS must not hold a wildcard")
    if any("*" in origin for origin in settings.cors_origins):
        problems.append("CORS_ORIGINS must not hold a wildcard")
    if not settings.smtp_host:
        problems.append("SMTP_HOST is missing (mail settings are required in production)")
    if settings.email_from.endswith("@localhost") or "@" not in settings.email_from:
        problems.append("EMAIL_FROM must be a real sender address")
    if settings.dkim_private_key is None and settings.dkim_private_key_file is None:
        problems.append(
            "DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE is missing (mail must be signed)"
        )
    if not settings.dkim_selector:
        problems.append("DKIM_SELECTOR is missing (mail must be signed)")
    if settings.debug:
        problems.append("DEBUG must be off in production")
    if not settings.redis_url:
        problems.append("REDIS_URL is missing (rate limits must be shared by every process)")
    if settings.stripe_webhook_secret is not None and _looks_like_placeholder(
        settings.stripe_webhook_secret.get_secret_value()
    ):
        problems.append("STRIPE_WEBHOOK_SECRET is a placeholder value")
    if settings.stripe_secret_key is not None and _looks_like_placeholder(
        settings.stripe_secret_key.get_secret_value()
    ):
        problems.append("STRIPE_SECRET_KEY is a placeholder value")
    if not settings.stripe_api_base.startswith("https://"):
        problems.append("STRIPE_API_BASE must be an https:// URL")
    if settings.metrics_token is not None and _looks_like_placeholder(
        settings.metrics_token.get_secret_value()
    ):
        problems.append("METRICS_TOKEN is a placeholder value")
    return problems


class ConfigurationError(Exception):
    """The configuration is unsafe for the environment it names."""


def load_settings(**overrides: Any) -> Settings:
    """Read and check the settings; refuse unsafe production ones, naming each variable."""
    env_file = None
    if os.environ.get("ENVIRONMENT", overrides.get("environment", "development")) == "development":
        env_file = ".env"
    settings = Settings(_env_file=env_file, **overrides)
    if settings.is_production:
        problems = production_problems(settings)
        if problems:
            raise ConfigurationError("; ".join(problems))
    elif settings.secret_key is None:
        # `serve` and `worker` say so once, as a log line (`warn_about_a_random_secret_key`).
        settings.secret_key = SecretStr(secrets.token_urlsafe(48))
        settings._random_secret_key = True
    return settings


def warn_about_a_random_secret_key(settings: Settings) -> None:
    """One log line, from the commands where it matters (serve, worker), in development."""
    if settings.secret_key_is_random and settings.environment == Environment.DEVELOPMENT:
        structlog.get_logger("app.settings").warning(
            "secret_key_not_set",
            detail="using a random key for this process; sessions and signed links "
            "stop working at restart: set SECRET_KEY",
        )


# Set by `python -m app serve` for the processes it starts. Only that command runs uvicorn
# with its own proxy-header handling and Server banner off; a bare `uvicorn app.main:app`
# would believe X-Forwarded-For from 127.0.0.1 and send `server: uvicorn`, so in
# production app.main refuses to be built without it.
SERVED_BY = "ROUNDTABLE_SERVED_BY"
SERVE_COMMAND = "python -m app serve"


def refuse_a_bare_server(settings: Settings) -> None:
    """In production, only `python -m app serve` may serve the module-level app."""
    if settings.is_production and os.environ.get(SERVED_BY) != SERVE_COMMAND:
        raise ConfigurationError(
            f"in production, start the app with `{SERVE_COMMAND}`, not a bare `uvicorn "
            "app.main:app` (it would trust forwarding headers itself and send a Server banner)"
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
