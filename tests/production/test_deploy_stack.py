"""C23: deploy/ holds the whole stack, read as compose would read it (no Docker engine runs
here): app, mail worker, one-shot migrate, PostgreSQL, Redis and Caddy, each with a health
check and a start order; the app reachable only through Caddy, which alone it trusts for
forwarding headers; secrets from a gitignored env file whose example is placeholders only
and names real settings.

PyYAML is already in the lock file (through detect-secrets, a dev dependency), so compose.yaml
is parsed for real."""

from __future__ import annotations

import re
import subprocess
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from app.core.middleware.trusted_proxy import TrustedProxies
from app.core.migrations import PROJECT_ROOT
from app.core.settings import Settings, _looks_like_placeholder, production_problems

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
CADDYFILE = DEPLOY / "Caddyfile"
PRODUCTION_EXAMPLE = DEPLOY / "production.env.example"
COMPOSE_EXAMPLE = DEPLOY / "compose.env.example"
APP_SERVICES = ("app", "worker", "migrate")
SECRET_NAMES = re.compile(r"(SECRET|PASSWORD|DSN|PRIVATE_KEY|USERNAME)")
INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")
# The production variables of the public contract (API.md), each of which the example
# must set or explain.
CONTRACT_VARIABLES = (
    "ENVIRONMENT", "SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "ALLOWED_HOSTS",
    "CORS_ORIGINS", "REDIS_URL", "TRUSTED_PROXIES", "SMTP_HOST", "SMTP_PORT",
    "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_STARTTLS", "EMAIL_FROM", "DKIM_SELECTOR",
    "DKIM_PRIVATE_KEY_FILE", "EMAIL_DELIVERY", "STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY",
    "STRIPE_API_BASE", "SENTRY_DSN", "METRICS_TOKEN", "METRICS_ALLOWED",
    "ALLOW_ORG_CREATION", "RATE_LIMITS_ENABLED",
)  # fmt: skip

pytestmark = pytest.mark.checklist("C23")


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found = compose()["services"]
    assert isinstance(found, dict)
    return found


def assignments(path: Path, *, commented: bool) -> dict[str, str]:
    """NAME=value lines (with `# NAME=value` ones too when `commented`)."""
    found = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if commented:
            line = line.lstrip("#").strip()
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def interpolated(value: str, values: dict[str, str]) -> str:
    """`${NAME}`, `${NAME:-default}` and `${NAME:?message}` as compose fills them."""

    def fill(match: re.Match[str]) -> str:
        text = match.group(0)
        if match.group(1) in values:
            return values[match.group(1)]
        return text.partition(":-")[2][:-1] if ":-" in text else ""

    return INTERPOLATION.sub(fill, value)


def app_environment(service: str, compose_values: dict[str, str]) -> dict[str, str]:
    """What the app's process sees: production.env.example, then compose's `environment`."""
    environment = assignments(PRODUCTION_EXAMPLE, commented=False)
    for name, value in services()[service]["environment"].items():
        environment[name] = interpolated(str(value), compose_values)
    return environment


def settings_from(environment: dict[str, str]) -> Settings:
    fields: dict[str, Any] = {
        name.lower(): value for name, value in environment.items() if value != ""
    }
    return Settings(_env_file=None, **fields)


def test_the_stack_has_every_part() -> None:
    assert set(services()) == {"caddy", "app", "worker", "migrate", "postgres", "redis"}
    assert services()["app"]["command"][:4] == ["python", "-m", "app", "serve"]
    assert services()["worker"]["command"] == ["python", "-m", "app", "worker"]
    assert services()["migrate"]["command"] == ["python", "-m", "app", "migrate"]
    for name in APP_SERVICES:
        assert services()[name]["image"].startswith("${ROUNDTABLE_IMAGE:?"), "one image, by tag"


def test_the_web_processes_come_from_the_environment() -> None:
    command = services()["app"]["command"]
    workers = command[command.index("--workers") + 1]
    assert INTERPOLATION.fullmatch(workers) and "APP_WORKERS" in workers
    assert int(interpolated(workers, {})) >= 2, "the default runs more than one process"


def test_every_long_running_service_has_a_health_check_and_migrate_is_a_one_shot() -> None:
    for name, service in services().items():
        if name == "migrate":
            assert service["healthcheck"] == {"disable": True}
            assert service["restart"] == "no"
            continue
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in {"CMD", "CMD-SHELL"}, name
    assert "/readyz" in " ".join(services()["app"]["healthcheck"]["test"])


def test_the_start_order_waits_for_health_and_for_the_migration() -> None:
    def waits(service: str) -> dict[str, str]:
        return {name: dep["condition"] for name, dep in services()[service]["depends_on"].items()}

    assert waits("migrate") == {"postgres": "service_healthy"}
    assert waits("app") == {
        "migrate": "service_completed_successfully",
        "postgres": "service_healthy",
        "redis": "service_healthy",
    }
    assert waits("worker")["migrate"] == "service_completed_successfully"
    assert waits("caddy") == {"app": "service_healthy"}


def test_only_caddy_publishes_ports_80_and_443() -> None:
    published = {name: service.get("ports") or [] for name, service in services().items()}
    assert {name for name, ports in published.items() if ports} == {"caddy"}
    caddy_ports = {str(port).split("/")[0] for port in published["caddy"]}
    assert caddy_ports == {"80:80", "443:443"}


def test_the_database_and_redis_are_on_an_internal_network_only() -> None:
    networks = compose()["networks"]
    assert networks["backend"]["internal"] is True
    for name in ("postgres", "redis"):
        assert services()[name]["networks"] == ["backend"]
    assert set(services()["app"]["networks"]) == {"edge", "backend"}
    assert "edge" not in services()["worker"]["networks"]


def test_the_app_trusts_forwarding_headers_from_caddy_alone() -> None:
    caddy_address = services()["caddy"]["networks"]["edge"]["ipv4_address"]
    edge = ip_network(compose()["networks"]["edge"]["ipam"]["config"][0]["subnet"])
    assert ip_address(caddy_address) in edge
    for name in APP_SERVICES:
        value = interpolated(services()[name]["environment"]["TRUSTED_PROXIES"], {})
        proxies = TrustedProxies.parse(value.split(","))
        assert proxies.trusts(caddy_address), value
        assert not proxies.trusts(str(edge.network_address + 1)), "not the whole edge network"
        assert not proxies.cloudflare, "Cloudflare only when it is in front (deploy/.env)"


def test_app_and_worker_share_the_outbox_through_the_worker() -> None:
    for name in APP_SERVICES:
        environment = services()[name]["environment"]
        assert environment["EMAIL_DELIVERY"] == "worker"
        assert environment["ENVIRONMENT"] == "production"
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert environment["DATABASE_URL"].startswith("postgresql+asyncpg://")


def test_the_secrets_file_is_gitignored_and_its_example_exists() -> None:
    assert PRODUCTION_EXAMPLE.is_file() and COMPOSE_EXAMPLE.is_file()
    env_files = {services()[name]["env_file"] for name in APP_SERVICES}
    assert env_files == {"./production.env"}
    for secret_file in ("deploy/production.env", "deploy/.env", "deploy/secrets/dkim.pem"):
        ignored = subprocess.run(
            ["git", "check-ignore", "--quiet", "--no-index", secret_file],  # noqa: S607
            cwd=PROJECT_ROOT,
            check=False,
        )
        assert ignored.returncode == 0, f"{secret_file} is not gitignored"
    secret_source = compose()["secrets"]["dkim_private_key"]["file"]
    assert secret_source == "./secrets/dkim.pem"


def test_every_variable_of_the_production_example_is_a_real_setting() -> None:
    known = {name.upper() for name in Settings.model_fields}
    named = assignments(PRODUCTION_EXAMPLE, commented=True)
    assert named, "the example sets variables"
    assert set(named) <= known, set(named) - known
    text = PRODUCTION_EXAMPLE.read_text()
    missing = [name for name in CONTRACT_VARIABLES if not re.search(rf"\b{name}\b", text)]
    assert not missing, f"the example neither sets nor explains {missing}"


def test_every_secret_in_the_examples_is_a_placeholder_the_app_recognises() -> None:
    for path in (PRODUCTION_EXAMPLE, COMPOSE_EXAMPLE):
        values = assignments(path, commented=True)
        secrets = {name: value for name, value in values.items() if SECRET_NAMES.search(name)}
        assert secrets, f"{path.name} names the secrets it expects"
        for name, value in secrets.items():
            assert _looks_like_placeholder(value), f"{path.name}: {name} is not a placeholder"


def test_the_example_as_deployed_is_refused_only_for_its_placeholder_secrets() -> None:
    compose_values = assignments(COMPOSE_EXAMPLE, commented=False)
    environment = app_environment("app", compose_values)
    problems = production_problems(settings_from(environment))
    assert len(problems) == 2, problems
    assert any("SECRET_KEY" in problem for problem in problems)
    assert any("STRIPE_WEBHOOK_SECRET" in problem for problem in problems)
    # With those two made real, nothing else is missing for production.
    environment["SECRET_KEY"] = "tG4" * 16
    environment["STRIPE_WEBHOOK_SECRET"] = "whsec_" + "k9Q" * 10
    assert production_problems(settings_from(environment)) == []


def test_every_value_compose_interpolates_is_in_its_example() -> None:
    used = set(INTERPOLATION.findall(COMPOSE.read_text()))
    documented = set(assignments(COMPOSE_EXAMPLE, commented=True))
    assert used <= documented, used - documented


def test_the_caddyfile_takes_site_and_upstream_from_the_environment() -> None:
    text = CADDYFILE.read_text()
    assert re.search(r"^\{\$SITE_ADDRESS\} \{$", text, re.MULTILINE), "the canonical site block"
    assert re.search(r"^\s*reverse_proxy \{\$APP_UPSTREAM\}", text, re.MULTILINE)
    environment = services()["caddy"]["environment"]
    assert {"SITE_ADDRESS", "APP_UPSTREAM"} <= set(environment)
    host, _, port = environment["APP_UPSTREAM"].partition(":")
    assert host == "app" and port in services()["app"]["expose"]
    assert re.search(r"^\s*trusted_proxies \{\$CADDY_TRUSTED_PROXIES\}$", text, re.MULTILINE)


def test_compose_gives_caddy_every_setting_the_caddyfile_has_no_default_for() -> None:
    needed = set(re.findall(r"\{\$([A-Z_][A-Z0-9_]*)\}", CADDYFILE.read_text()))
    assert needed <= set(services()["caddy"]["environment"])


def test_www_goes_to_the_canonical_host_in_one_hop() -> None:
    text = CADDYFILE.read_text()
    block = re.search(
        r"^http://www\.\{\$SITE_ADDRESS\}, https://www\.\{\$SITE_ADDRESS\} \{\n(.*?)^\}",
        text,
        re.MULTILINE | re.DOTALL,
    )
    assert block, "www is its own site over both schemes (no http->https hop first)"
    lines = [line.split() for line in block.group(1).splitlines() if line.strip()]
    assert lines == [["tls", "{$CADDY_TLS}"], ["redir", "https://{$SITE_ADDRESS}{uri}", "308"]]
