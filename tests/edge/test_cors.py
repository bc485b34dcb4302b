"""C20: CORS is an explicit allowlist from CORS_ORIGINS, or off."""

from __future__ import annotations

import pytest

from tests.edge.conftest import EdgeApps

pytestmark = pytest.mark.checklist("C20")

FRONTEND = "https://app.example.org"
STRANGER_SITE = "https://evil.example"
WHOAMI = "/api/v1/edge-test/whoami"


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-csrf-token, x-request-id",
    }


async def test_without_cors_origins_no_origin_gets_cors_headers(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build())
    simple = await client.get(WHOAMI, headers={"Origin": FRONTEND})
    options = await client.options(WHOAMI, headers=preflight(FRONTEND))
    for response in (simple, options):
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_an_allowed_origin_may_read_with_credentials(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(cors_origins=FRONTEND))
    response = await client.get(WHOAMI, headers={"Origin": FRONTEND})
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    exposed = response.headers["Access-Control-Expose-Headers"].lower().split(", ")
    assert {"x-request-id", "retry-after"} <= set(exposed)
    assert "Origin" in response.headers["Vary"]


async def test_an_allowed_origin_preflight_allows_the_csrf_and_request_id_headers(
    edge: EdgeApps,
) -> None:
    client = await edge.client(await edge.build(cors_origins=f"{FRONTEND}/"))
    response = await client.options(WHOAMI, headers=preflight(FRONTEND))
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    allowed = response.headers["Access-Control-Allow-Headers"].lower().split(", ")
    assert {"x-csrf-token", "x-request-id", "content-type"} <= set(allowed)
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


async def test_another_origin_gets_no_cors_headers(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(cors_origins=FRONTEND))
    response = await client.get(WHOAMI, headers={"Origin": STRANGER_SITE})
    # Without Allow-Origin the browser withholds the answer from the page.
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_another_origin_preflight_is_refused(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(cors_origins=FRONTEND))
    response = await client.options(WHOAMI, headers=preflight(STRANGER_SITE))
    assert response.status_code == 400
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_a_preflight_asking_for_another_header_is_refused(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(cors_origins=FRONTEND))
    headers = {**preflight(FRONTEND), "Access-Control-Request-Headers": "x-admin-override"}
    response = await client.options(WHOAMI, headers=headers)
    assert response.status_code == 400


async def test_a_wildcard_origin_is_refused_at_start(edge: EdgeApps) -> None:
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        await edge.build(cors_origins="*")
