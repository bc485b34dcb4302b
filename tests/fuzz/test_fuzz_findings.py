"""What schemathesis found (issue 19), fixed: a 405 names in `Allow` every method the path
serves (`OPTIONS /api/v1/me` said `Allow: GET` although PATCH exists); a JSON body that
is not even UTF-8 is the 422 any malformed JSON is (it was an undocumented 400)."""

from __future__ import annotations

import pytest
from httpx import AsyncClient


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/me", {"GET", "PATCH"}),
        ("/api/v1/orgs/00000000-0000-0000-0000-000000000000/spaces", {"GET", "POST"}),
        (
            "/api/v1/orgs/00000000-0000-0000-0000-000000000000/posts/"
            "00000000-0000-0000-0000-000000000000",
            {"DELETE", "GET", "PATCH"},
        ),
    ],
)
async def test_a_405_allows_every_method_of_the_path(
    client: AsyncClient, path: str, methods: set[str]
) -> None:
    response = await client.request("PUT", path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == methods
    assert response.json()["error"]["code"] == "method_not_allowed"


async def test_a_json_body_that_is_not_utf8_is_a_validation_error(client: AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/magic-link",
        content=b"\xe9\x07\xfa9",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
