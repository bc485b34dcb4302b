"""C24: the monitoring HANDOVER.md describes is configured, not only alerted on:
deploy/prometheus/prometheus.yml defines every job alerts.yml names and loads rule files
that exist, its readiness probe uses a blackbox.yml module; and, through HTTP, a production
app answers the scrape and the probe exactly as they are configured (the bearer token read
from a credentials file, the probe's URL with no redirect followed)."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from app.core.migrations import PROJECT_ROOT
from tests.edge.conftest import PRODUCTION_HOST, PRODUCTION_URL, EdgeApps
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C24")

PROMETHEUS_FOLDER = PROJECT_ROOT / "deploy" / "prometheus"
PROMETHEUS = PROMETHEUS_FOLDER / "prometheus.yml"
BLACKBOX = PROMETHEUS_FOLDER / "blackbox.yml"
ALERTS = PROMETHEUS_FOLDER / "alerts.yml"
HANDOVER = PROJECT_ROOT / "HANDOVER.md"
JOB_LABEL = re.compile(r'\bjob="([^"]+)"')


def load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict), path
    return loaded


def jobs() -> dict[str, dict[str, Any]]:
    return {job["job_name"]: job for job in load(PROMETHEUS)["scrape_configs"]}


def alert_jobs() -> set[str]:
    rules = [rule for group in load(ALERTS)["groups"] for rule in group["rules"]]
    return {job for rule in rules for job in JOB_LABEL.findall(rule["expr"])}


def targets(job: dict[str, Any]) -> list[str]:
    return [target for config in job["static_configs"] for target in config["targets"]]


def test_every_job_the_alert_rules_use_is_defined() -> None:
    used = alert_jobs()
    assert {"roundtable", "roundtable-readyz"} <= used, used
    assert used <= jobs().keys(), used - jobs().keys()


def test_the_rule_files_prometheus_loads_exist_and_include_the_alerts() -> None:
    rule_files = load(PROMETHEUS)["rule_files"]
    assert "alerts.yml" in rule_files, rule_files
    for rule_file in rule_files:
        assert (PROMETHEUS_FOLDER / rule_file).is_file(), rule_file


def test_the_app_is_scraped_on_metrics_with_a_token_from_a_file() -> None:
    app_job = jobs()["roundtable"]
    assert app_job["metrics_path"] == "/metrics"
    assert targets(app_job) == ["app:8000"], "the app container on the internal network"
    authorization = app_job["authorization"]
    assert authorization.get("type", "Bearer") == "Bearer"
    assert authorization["credentials_file"].startswith("/"), "a file, never the token itself"
    assert "credentials" not in authorization


def test_readiness_is_probed_by_the_blackbox_exporter_with_a_module_it_defines() -> None:
    probe = jobs()["roundtable-readyz"]
    assert probe["metrics_path"] == "/probe"
    assert targets(probe) == ["https://SITE_ADDRESS/readyz"]
    relabels = probe["relabel_configs"]
    assert {"source_labels": ["__address__"], "target_label": "__param_target"} in relabels
    assert any(r.get("target_label") == "__address__" for r in relabels), "sent to the exporter"
    (module_name,) = probe["params"]["module"]
    module = load(BLACKBOX)["modules"][module_name]
    assert module["prober"] == "http"
    assert module["http"]["valid_status_codes"] == [200]


def test_the_handover_names_the_prometheus_and_blackbox_configs() -> None:
    text = HANDOVER.read_text()
    for path in (PROMETHEUS, BLACKBOX, ALERTS):
        assert str(path.relative_to(PROJECT_ROOT)) in text, path.name


@pytest.fixture
async def production(migrated_database: str, smtp_sink: SmtpSink) -> AsyncIterator[EdgeApps]:
    async with AsyncExitStack() as stack:
        yield EdgeApps(migrated_database, smtp_sink.port, stack)


@pytest.mark.checklist("C22")
async def test_the_scrape_as_configured_reads_a_production_apps_metrics(
    production: EdgeApps, tmp_path: Path
) -> None:
    token = secrets.token_urlsafe(32)
    credentials_file = tmp_path / "metrics_token"
    credentials_file.write_text(token + "\n")  # as an editor saves it: Prometheus trims it
    app = await production.production(metrics_token=token)
    scraper = await production.client(app, ("172.30.0.20", 50000), base_url="http://app:8000")
    app_job = jobs()["roundtable"]
    refused = await scraper.get(app_job["metrics_path"])
    header = {"Authorization": f"Bearer {credentials_file.read_text().strip()}"}
    scraped = await scraper.get(app_job["metrics_path"], headers=header)
    assert refused.status_code == 404
    assert scraped.status_code == 200, scraped.text
    assert "roundtable_http_requests_total" in scraped.text


async def test_the_readiness_probe_as_configured_gets_200_from_a_production_app(
    production: EdgeApps,
) -> None:
    app = await production.production()
    visitor = await production.client(app, base_url=PRODUCTION_URL)
    (target,) = targets(jobs()["roundtable-readyz"])
    module = load(BLACKBOX)["modules"]["http_2xx"]["http"]
    response = await visitor.get(target.replace("SITE_ADDRESS", PRODUCTION_HOST))
    assert module["follow_redirects"] is False
    assert response.status_code in module["valid_status_codes"], response.text
