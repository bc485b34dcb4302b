"""C20, C21 and C23 with the real thing: Debian's caddy, run from the project's own
deploy/Caddyfile (site, upstream, ports and `tls internal` set from the environment, as
compose sets the production ones), in front of a real `python -m app serve`.

Caddy listens on free unprivileged ports; the visitor's ports 80 and 443 are mapped onto
them (as compose's "80:80" and "443:443" map the host's), so URLs and redirects read as in
production. The visitor connects from 127.0.0.2, caddy reaches the app from 127.0.0.1 (the
app's only TRUSTED_PROXIES), so "the app saw the visitor" and "the app saw caddy" tell
apart. With
PostgreSQL and Redis at hand (the CI's second leg) the app runs as production, enforcing
https and the canonical host itself, which is where a redirect loop would come from.

Without caddy the tests skip on a laptop; `.ci/run` installs it and sets
ROUNDTABLE_REQUIRE_CADDY, under which a missing caddy fails them instead."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.core.middleware.security_headers import HSTS_VALUE
from app.core.migrations import PROJECT_ROOT, upgrade
from app.mail.dkim_keys import generate_private_key, pkcs1_pem
from tests.edge.servers import access_line, free_port, wait_until_answering

pytestmark = pytest.mark.checklist("C20", "C23")

CADDYFILE = PROJECT_ROOT / "deploy" / "Caddyfile"
REQUIRE_CADDY = "ROUNDTABLE_REQUIRE_CADDY"
SITE = "roundtable.test"
WWW = f"www.{SITE}"
VISITOR = "127.0.0.2"  # any loopback address but caddy's own 127.0.0.1
CADDY_START_SECONDS = 60.0
MAX_HOPS = 5


def caddy_binary() -> str:
    found = shutil.which("caddy")
    if found:
        return found
    reason = "caddy is not installed (Debian: apt-get install caddy; .ci/run does it)"
    if os.environ.get(REQUIRE_CADDY):
        pytest.fail(f"{reason}, and {REQUIRE_CADDY} is set: CI must run this test")
    pytest.skip(reason)


def caddy_environment(**values: str) -> dict[str, str]:
    """What compose gives caddy, with `values` on top; HOME and XDG_* keep its state in tmp."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "ACME_EMAIL": f"ops@{SITE}",
        "CADDY_TLS": f"ops@{SITE}",
        "CADDY_TRUSTED_PROXIES": "127.0.0.1/32",
        **values,
    }


@dataclass
class Stack:
    app_port: int
    http_port: int
    https_port: int
    app_log: Path
    caddy_log: Path
    verify: ssl.SSLContext
    production: bool

    def request(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET `url` as the visitor would: its host is this machine, 80 and 443 caddy's."""
        parts = urlsplit(url)
        assert parts.port is None, f"{url}: the visitor knows the standard ports only"
        port = self.https_port if parts.scheme == "https" else self.http_port
        local = f"{parts.scheme}://127.0.0.1:{port}{parts.path}"
        if parts.query:
            local += f"?{parts.query}"
        transport = httpx.HTTPTransport(local_address=VISITOR, verify=self.verify)
        with httpx.Client(transport=transport) as client:
            return client.get(
                local,
                headers={"Host": parts.netloc, **(headers or {})},
                extensions={"sni_hostname": parts.hostname or ""},
            )

    def hops(self, url: str, headers: dict[str, str] | None = None) -> list[tuple[int, str]]:
        """(status, Location) of each response from `url` on, following redirects."""
        seen: list[tuple[int, str]] = []
        while len(seen) < MAX_HOPS:
            response = self.request(url, headers)
            location = response.headers.get("location", "")
            seen.append((response.status_code, location))
            if not response.is_redirect:
                return seen
            url = location
        return seen

    def access_line(self, request_id: str) -> dict[str, Any]:
        """The app's own access log line for the request that carried `request_id`."""
        return access_line(self.app_log, request_id)


def app_environment(folder: Path) -> tuple[dict[str, str], bool]:
    """The app's settings behind caddy: production on PostgreSQL + Redis, else test."""
    inherited = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment = {
        **inherited,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PUBLIC_URL": f"https://{SITE}",
        "ALLOWED_HOSTS": f"{SITE},{WWW}",
        "TRUSTED_PROXIES": "127.0.0.1/32",
        "MAIL_FOLDER": str(folder / "mail"),
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if database_url.startswith("postgresql") and redis_url:
        key_file = folder / "dkim.pem"
        key_file.write_bytes(pkcs1_pem(generate_private_key()))
        environment.update(
            ENVIRONMENT="production",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            SMTP_HOST="127.0.0.1",
            EMAIL_FROM=f"no-reply@{SITE}",
            DKIM_SELECTOR="rt1",
            DKIM_PRIVATE_KEY_FILE=str(key_file),
        )
        return environment, True
    database_url = f"sqlite+aiosqlite:///{folder / 'caddy.db'}"
    upgrade(database_url)
    environment.update(ENVIRONMENT="test", DATABASE_URL=database_url)
    return environment, False


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_for_caddy(process: subprocess.Popen[bytes], log: Path, root: Path, port: int) -> None:
    """Until caddy answers over https with a certificate of its own CA (made at start)."""
    deadline = time.monotonic() + CADDY_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"caddy exited:\n{log.read_text()}")
        if root.exists():
            verify = ssl.create_default_context(cafile=str(root))
            transport = httpx.HTTPTransport(verify=verify)
            try:
                with httpx.Client(transport=transport) as client:
                    client.get(
                        f"https://127.0.0.1:{port}/healthz",
                        headers={"Host": SITE},
                        extensions={"sni_hostname": SITE},
                    )
                return
            except (httpx.TransportError, ssl.SSLError):
                pass
        time.sleep(0.2)
    raise AssertionError(f"caddy did not start:\n{log.read_text()}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    caddy = caddy_binary()
    folder = tmp_path_factory.mktemp("caddy")
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    environment, production = app_environment(folder)
    app_log = folder / "app.log"
    with app_log.open("wb") as output:
        app = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(app_port)],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    caddy_log = folder / "caddy.log"
    state = folder / "caddy-state"
    try:
        wait_until_answering(app, f"http://127.0.0.1:{app_port}/healthz", app_log)
        with caddy_log.open("wb") as output:
            proxy = subprocess.Popen(
                [caddy, "run", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
                cwd=folder,
                env=caddy_environment(
                    SITE_ADDRESS=SITE,
                    APP_UPSTREAM=f"127.0.0.1:{app_port}",
                    CADDY_TLS="internal",
                    CADDY_HTTP_PORT=str(http_port),
                    CADDY_HTTPS_PORT=str(https_port),
                    CADDY_ADMIN="off",
                    HOME=str(state),
                    XDG_DATA_HOME=str(state / "data"),
                    XDG_CONFIG_HOME=str(state / "config"),
                ),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        root = state / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        try:
            wait_for_caddy(proxy, caddy_log, root, https_port)
            verify = ssl.create_default_context(cafile=str(root))
            yield Stack(app_port, http_port, https_port, app_log, caddy_log, verify, production)
        finally:
            stop(proxy)
    finally:
        stop(app)


def adapted(**values: str) -> dict[str, Any]:
    """deploy/Caddyfile as caddy reads it with these settings (its JSON config)."""
    result = subprocess.run(
        [caddy_binary(), "adapt", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
        env=caddy_environment(**values),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def test_plain_http_redirects_once_to_https_and_the_app_answers_there(stack: Stack) -> None:
    start = f"http://{SITE}/login?next=%2Fdashboard"
    assert stack.hops(start) == [(308, f"https://{SITE}/login?next=%2Fdashboard"), (200, "")]


def test_hsts_comes_from_the_app_seeing_https_through_caddy(stack: Stack) -> None:
    through_caddy = stack.request(f"https://{SITE}/login")
    assert through_caddy.headers.get("strict-transport-security") == HSTS_VALUE
    # The same page asked of the app directly over plain http carries none (and in
    # production is refused there): caddy adds none itself, the app saw https.
    direct = httpx.get(f"http://127.0.0.1:{stack.app_port}/login", headers={"Host": SITE})
    assert "strict-transport-security" not in direct.headers
    assert (direct.status_code == 308) is stack.production


def test_the_app_sees_the_visitors_address_not_caddys(stack: Stack) -> None:
    request_id = secrets.token_hex(16)
    response = stack.request(f"https://{SITE}/login", {"X-Request-ID": request_id})
    assert response.status_code == 200
    assert stack.access_line(request_id)["client_ip"] == VISITOR


@pytest.mark.checklist("C21")
def test_forged_forwarding_headers_from_outside_change_nothing(stack: Stack) -> None:
    request_id = secrets.token_hex(16)
    forged = {
        "X-Request-ID": request_id,
        "X-Forwarded-For": "198.51.100.66",
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Host": "evil.example",
    }
    response = stack.request(f"https://{SITE}/login", forged)
    assert response.status_code == 200
    assert response.headers.get("strict-transport-security") == HSTS_VALUE  # still https
    assert stack.access_line(request_id)["client_ip"] == VISITOR


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_www_redirects_to_the_bare_host_in_one_hop(stack: Stack, scheme: str) -> None:
    start = f"{scheme}://{WWW}/login?next=%2Fdashboard"
    assert stack.hops(start) == [(308, f"https://{SITE}/login?next=%2Fdashboard"), (200, "")]


def test_caddy_leaves_the_hosts_trust_store_alone(stack: Stack) -> None:
    assert "installing root certificate" not in stack.caddy_log.read_text()


def test_in_production_caddy_listens_on_80_and_443_only_and_the_app_port_is_not_one() -> None:
    config = adapted(SITE_ADDRESS="community.example.org", APP_UPSTREAM="app:8000")
    http = config["apps"]["http"]
    listened = {address for server in http["servers"].values() for address in server["listen"]}
    assert listened == {":80", ":443"}
    assert (http.get("http_port", 80), http.get("https_port", 443)) == (80, 443)
    dials = {
        upstream["dial"]
        for handler in handlers(config)
        if handler.get("handler") == "reverse_proxy"
        for upstream in handler["upstreams"]
    }
    assert dials == {"app:8000"}
    assert ":8000" not in listened


def handlers(node: object) -> Iterator[dict[str, Any]]:
    """Every handler object anywhere in caddy's JSON config."""
    if isinstance(node, dict):
        if "handler" in node:
            yield node
        for value in node.values():
            yield from handlers(value)
    elif isinstance(node, list):
        for value in node:
            yield from handlers(value)
