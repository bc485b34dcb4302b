"""Prometheus metrics (C22): what `/metrics` serves.

Counted as they happen: requests by method, route template and status, and their
latency (`RequestContextMiddleware`); rate-limit refusals by limit name
(`app.core.ratelimit`); wrong passwords (`login_failures`). Read at scrape time: the
mail outbox by status and the database pool in use (`app.meta.service`).

Labels are route templates (`/api/v1/orgs/{org_id}/spaces`), never raw paths, so no ID
reaches a label and the number of series stays bounded; a request no route matched
counts as `unmatched`.

Several workers (`python -m app serve --workers N`) each count for themselves;
`serve` then sets `PROMETHEUS_MULTIPROC_DIR` to a fresh folder, where
prometheus-client's multiprocess mode keeps every worker's values, so any worker's
`/metrics` answers for all of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Metrics:
    """One app's instruments, in a registry of its own (several apps can share a test
    process without sharing counts)."""

    registry: CollectorRegistry = field(
        default_factory=lambda: CollectorRegistry(auto_describe=True)
    )

    def __post_init__(self) -> None:
        self.requests = Counter(
            "roundtable_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "roundtable_http_request_duration_seconds",
            "Time from receiving a request to the end of its answer, by route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "roundtable_rate_limit_refusals",
            "Requests refused with 429, by the limit that refused them.",
            ["limit"],
            registry=self.registry,
        )
        self.login_failures = Counter(
            "roundtable_login_failures",
            "Wrong passwords given at login or to change a password.",
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self, scrape_time: CollectorRegistry) -> bytes:
        """The text format: this process's counts (or every worker's), then the values
        read at scrape time."""
        if os.environ.get(MULTIPROCESS_VARIABLE):
            counted = CollectorRegistry()
            MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
        else:
            counted = self.registry
        return generate_latest(counted) + generate_latest(scrape_time)


def scrape_time_registry(
    outbox_by_status: dict[str, int], pool_in_use: int, pool_size: int
) -> CollectorRegistry:
    registry = CollectorRegistry()
    outbox = Gauge(
        "roundtable_mail_outbox",
        "Mail in the outbox, by status (pending: waiting to be sent; failed: given up).",
        ["status"],
        registry=registry,
    )
    for status, count in outbox_by_status.items():
        outbox.labels(status).set(count)
    Gauge(
        "roundtable_db_pool_in_use",
        "Database connections checked out of this process's pool.",
        registry=registry,
    ).set(pool_in_use)
    Gauge(
        "roundtable_db_pool_size",
        "Connections this process's pool keeps open (0: no pool, as with SQLite).",
        registry=registry,
    ).set(pool_size)
    return registry


def route_template(scope: Mapping[str, Any]) -> str:
    """The matched route's path template, prefixes included.

    FastAPI (0.16x) keeps an included router's routes without their prefix and records
    the full template of the route it chose under `scope["fastapi"]`; a route of the
    app itself (a page, a mount) has its full `path_format`. The metrics tests check
    the result, so a FastAPI change that moves it shows up there.
    """
    chosen = (scope.get("fastapi") or {}).get("effective_route_context")
    for source in (chosen, scope.get("route")):
        template = getattr(source, "path_format", None)
        if isinstance(template, str):
            return template
    return UNMATCHED
