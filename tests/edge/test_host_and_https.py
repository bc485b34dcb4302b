"""C20: Host validation, HTTPS and the canonical host, also behind a TLS-terminating proxy."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from tests.edge.conftest import PRODUCTION_HOST, PRODUCTION_URL, WWW_HOST, EdgeApps

pytestmark = pytest.mark.checklist("C20")

LOAD_BALANCER = ("10.0.0.2", 51000)
PLAIN = f"http://{PRODUCTION_HOST}"


class TlsTerminatingProxy(httpx.AsyncBaseTransport):
    """A proxy that takes https from the visitor and forwards plain http, naming the scheme."""

    def __init__(self, app: FastAPI) -> None:
        self.upstream = ASGITransport(app=app, client=LOAD_BALANCER)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = request.headers.copy()
        headers["X-Forwarded-Proto"] = request.url.scheme
        forwarded = httpx.Request(
            request.method,
            request.url.copy_with(scheme="http"),
            headers=headers,
            stream=request.stream,
        )
        return await self.upstream.handle_async_request(forwarded)


async def test_an_unknown_host_is_refused_with_400_in_the_error_format(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    response = await client.get("/edge-test/page", headers={"Host": "evil.example"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_host"
    assert error["request_id"] == response.headers["X-Request-ID"]


async def test_an_allowed_host_with_a_port_is_served(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    response = await client.get("/edge-test/page", headers={"Host": "localhost:8000"})
    assert response.status_code == 200


async def test_production_refuses_an_unknown_host_even_over_https(edge: EdgeApps) -> None:
    client = await edge.client(await edge.production(), base_url=PRODUCTION_URL)
    response = await client.get("/edge-test/page", headers={"Host": "evil.example"})
    assert response.status_code == 400


async def test_plain_http_page_get_is_redirected_308_to_the_canonical_https_url(
    edge: EdgeApps,
) -> None:
    client = await edge.client(await edge.production(), base_url=PLAIN)
    response = await client.get("/edge-test/page?tab=2&x=%2F")
    assert response.status_code == 308
    assert response.headers["Location"] == f"{PRODUCTION_URL}/edge-test/page?tab=2&x=%2F"


async def test_plain_http_head_is_redirected_too(edge: EdgeApps) -> None:
    client = await edge.client(await edge.production(), base_url=PLAIN)
    response = await client.head("/edge-test/page")
    assert response.status_code == 308


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_plain_http_api_requests_are_refused_not_redirected(
    edge: EdgeApps, method: str
) -> None:
    client = await edge.client(await edge.production(), base_url=PLAIN)
    response = await client.request(method, "/api/v1/edge-test/whoami")
    assert response.status_code == 403
    assert "Location" not in response.headers
    assert response.json()["error"]["code"] == "https_required"


async def test_plain_http_post_outside_the_api_is_refused_too(edge: EdgeApps) -> None:
    client = await edge.client(await edge.production(), base_url=PLAIN)
    response = await client.post("/edge-test/page")
    assert response.status_code == 403


async def test_https_on_the_canonical_host_is_served(edge: EdgeApps) -> None:
    client = await edge.client(await edge.production(), base_url=PRODUCTION_URL)
    assert (await client.get("/api/v1/edge-test/whoami")).status_code == 200


async def test_the_www_host_is_redirected_to_the_canonical_host(edge: EdgeApps) -> None:
    client = await edge.client(await edge.production(), base_url=f"https://{WWW_HOST}")
    response = await client.get("/edge-test/page?a=1")
    assert response.status_code == 308
    assert response.headers["Location"] == f"{PRODUCTION_URL}/edge-test/page?a=1"


async def test_behind_a_tls_terminating_proxy_https_is_served_without_redirect(
    edge: EdgeApps,
) -> None:
    app = await edge.production(trusted_proxies="10.0.0.0/8")
    client = await edge.client(app, peer=LOAD_BALANCER, base_url=PLAIN)
    response = await client.get("/api/v1/edge-test/whoami", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response.json()["scheme"] == "https"


async def test_following_the_redirects_through_the_proxy_ends_without_a_loop(
    edge: EdgeApps,
) -> None:
    app = await edge.production(trusted_proxies="10.0.0.0/8")
    proxy = TlsTerminatingProxy(app)
    async with AsyncClient(transport=proxy, follow_redirects=True, max_redirects=3) as client:
        response = await client.get(f"http://{WWW_HOST}/edge-test/page")
    assert response.status_code == 200
    assert [hop.status_code for hop in response.history] == [308]
    assert str(response.url) == f"{PRODUCTION_URL}/edge-test/page"


async def test_a_forwarded_proto_from_an_untrusted_peer_does_not_prevent_the_redirect(
    edge: EdgeApps,
) -> None:
    app = await edge.production(trusted_proxies="10.0.0.0/8")
    client = await edge.client(app, base_url=PLAIN)
    response = await client.get("/edge-test/page", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 308


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_checks_answer_over_plain_http_on_an_internal_host(
    edge: EdgeApps, path: str
) -> None:
    app = await edge.production()
    client = await edge.client(app, peer=LOAD_BALANCER, base_url="http://10.0.0.7:8000")
    response = await client.get(path)
    assert response.status_code in (200, 503)  # /readyz reports the schema; never a redirect
    assert response.headers["content-type"] == "application/json"


async def test_outside_production_plain_http_is_served(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    assert (await client.get("/api/v1/edge-test/whoami")).status_code == 200
