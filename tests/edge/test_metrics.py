"""C22: `/metrics` in Prometheus text: requests by route template, latency, rate-limit
refusals, wrong passwords, the outbox and the pool; in production only to the token or
an allowed network."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.edge.conftest import PRODUCTION_URL, STRANGER, EdgeApps

pytestmark = pytest.mark.checklist("C22")

METRICS_TOKEN = "metrics-" + uuid.uuid4().hex  # made at test time


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the series `name{labels}` in exposition `text`, if present."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return None


async def scrape(client: AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return response.text


async def test_metrics_are_prometheus_text_outside_production(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE roundtable_http_requests_total counter" in response.text


async def test_requests_are_counted_by_route_template_never_by_raw_path(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    org_id = uuid.uuid4()
    await client.get(f"/api/v1/orgs/{org_id}/spaces")
    text = await scrape(client)
    route = "/api/v1/orgs/{org_id}/spaces"
    assert sample(text, "roundtable_http_requests_total", method="GET", route=route, status="401")
    assert str(org_id) not in text


async def test_a_path_no_route_matches_counts_as_unmatched(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    await client.get("/no/such/page/" + uuid.uuid4().hex)
    text = await scrape(client)
    counted = sample(
        text, "roundtable_http_requests_total", method="GET", route="unmatched", status="404"
    )
    assert counted == 1


async def test_request_latency_is_a_histogram_by_route(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    await client.get("/healthz")
    text = await scrape(client)
    count = sample(
        text, "roundtable_http_request_duration_seconds_count", method="GET", route="/healthz"
    )
    assert count == 1


async def test_rate_limit_refusals_are_counted_by_limit(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(rate_limits={"login_ip": "1/minute"}))
    body = {"email": "someone@example.org", "password": "not the password"}
    statuses = [(await client.post("/api/v1/auth/login", json=body)).status_code for _ in "ab"]
    assert statuses == [401, 429]
    text = await scrape(client)
    assert sample(text, "roundtable_rate_limit_refusals_total", limit="login_ip") == 1


async def test_wrong_passwords_are_counted(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    body = {"email": "someone@example.org", "password": "not the password"}
    assert (await client.post("/api/v1/auth/login", json=body)).status_code == 401
    assert sample(await scrape(client), "roundtable_login_failures_total") == 1


async def test_the_outbox_and_the_pool_are_read_at_scrape_time(edge: EdgeApps) -> None:
    text = await scrape(await edge.client(await edge.build()))
    assert sample(text, "roundtable_mail_outbox", status="pending") is not None
    assert sample(text, "roundtable_mail_outbox", status="failed") is not None
    assert sample(text, "roundtable_db_pool_in_use") is not None


# -- who may read them in production ------------------------------------------------------


def without_request_id(body: str) -> str:
    return re.sub(r'"request_id":"\w+"', "", body)


async def production_client(edge: EdgeApps, peer: tuple[str, int] = STRANGER) -> AsyncClient:
    app: FastAPI = await edge.production(
        metrics_token=METRICS_TOKEN, metrics_allowed=["10.1.0.0/16"]
    )
    return await edge.client(app, peer, base_url=PRODUCTION_URL)


async def test_in_production_metrics_without_the_token_look_like_no_page_at_all(
    edge: EdgeApps,
) -> None:
    client = await production_client(edge)
    metrics = await client.get("/metrics")
    nothing = await client.get("/" + uuid.uuid4().hex)
    assert metrics.status_code == nothing.status_code == 404
    assert without_request_id(metrics.text) == without_request_id(nothing.text)


async def test_in_production_a_wrong_token_gets_404(edge: EdgeApps) -> None:
    client = await production_client(edge)
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 404


async def test_in_production_the_bearer_token_reads_the_metrics(edge: EdgeApps) -> None:
    client = await production_client(edge)
    allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert allowed.status_code == 200
    assert "roundtable_http_requests_total" in allowed.text


async def test_in_production_an_allowed_network_reads_the_metrics_over_plain_http(
    edge: EdgeApps,
) -> None:
    app = await edge.production(metrics_allowed=["10.1.0.0/16"])
    scraper = await edge.client(app, ("10.1.2.3", 50000), base_url="http://10.0.0.5:8000")
    assert (await scraper.get("/metrics")).status_code == 200
