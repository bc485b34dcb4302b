"""C22: deploy/prometheus/alerts.yml parses as Prometheus rules and every roundtable_*
metric it names is one the app's /metrics serves (a renamed metric cannot silence an
alert unnoticed)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from httpx import AsyncClient

from app.core.migrations import PROJECT_ROOT

pytestmark = pytest.mark.checklist("C22")

RULES = PROJECT_ROOT / "deploy" / "prometheus" / "alerts.yml"
NEEDED = {"5xx", "p95", "outbox", "failed mail", "readyz"}


def rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load(RULES.read_text())
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def test_every_rule_is_an_alert_with_an_expression_and_a_severity() -> None:
    for rule in rules():
        assert rule["alert"] and rule["expr"].strip(), rule
        assert rule["labels"]["severity"] in {"page", "ticket"}, rule


def test_the_rules_cover_errors_latency_mail_and_readiness() -> None:
    text = " ".join(f"{r['alert']} {r['expr']} {r['annotations']['summary']}" for r in rules())
    covered = {
        "5xx": "5.." in text,
        "p95": "histogram_quantile(0.95" in text,
        "outbox": 'status="pending"' in text,
        "failed mail": 'status="failed"' in text,
        "readyz": "readyz" in text,
    }
    assert {name for name, present in covered.items() if present} == NEEDED


async def test_every_app_metric_the_rules_use_is_served_by_metrics(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200  # a request to count
    served = set(re.findall(r"^(roundtable_[a-z_]+)", (await client.get("/metrics")).text, re.M))
    used = {name for rule in rules() for name in re.findall(r"roundtable_[a-z_]+", rule["expr"])}
    assert used and used <= served, used - served
