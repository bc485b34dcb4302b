"""C20: security headers on every response; HSTS only over https; API answers never cached."""

from __future__ import annotations

import pytest
from httpx import Response

from tests.edge.conftest import PRODUCTION_URL, WWW_HOST, EdgeApps

pytestmark = pytest.mark.checklist("C20")

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=63072000; includeSubDomains"


def assert_common_headers(response: Response) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"


async def test_api_responses_carry_every_security_header(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    response = await client.get("/api/v1/edge-test/whoami")
    assert_common_headers(response)
    assert response.headers["Content-Security-Policy"] == STRICT_CSP
    assert response.headers["Cache-Control"] == "no-store"


async def test_an_api_route_cannot_make_its_answer_cacheable(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    response = await client.get("/api/v1/edge-test/cacheable")
    assert response.headers.get_list("Cache-Control") == ["no-store"]


async def test_api_errors_carry_the_headers_too(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    response = await client.get("/api/v1/no-such-route")
    assert response.status_code == 404
    assert_common_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


async def test_responses_outside_the_api_get_the_strict_policy_too(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    response = await client.get("/healthz")
    assert_common_headers(response)
    assert response.headers["Content-Security-Policy"] == STRICT_CSP


async def test_no_hsts_over_plain_http(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    response = await client.get("/api/v1/edge-test/whoami")
    assert "Strict-Transport-Security" not in response.headers


async def test_hsts_over_https_in_production_lasts_at_least_a_year(edge: EdgeApps) -> None:
    client = await edge.client(await edge.production(), base_url=PRODUCTION_URL)
    response = await client.get("/api/v1/edge-test/whoami")
    assert response.headers["Strict-Transport-Security"] == HSTS
    max_age = int(HSTS.split(";")[0].removeprefix("max-age="))
    assert max_age >= 365 * 24 * 3600


async def test_the_canonical_host_redirect_carries_hsts(edge: EdgeApps) -> None:
    client = await edge.client(await edge.production(), base_url=f"https://{WWW_HOST}")
    response = await client.get("/edge-test/page")
    assert response.status_code == 308
    assert response.headers["Strict-Transport-Security"] == HSTS


async def test_edge_refusals_are_never_cached(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    response = await client.get("/edge-test/page", headers={"Host": "evil.example"})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
