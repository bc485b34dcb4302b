"""What schemathesis found (issue 19), fixed: a 405 names in `Allow` every method the path
serves (`OPTIONS /api/v1/me` said `Allow: GET` although PATCH exists); a JSON body that
is not even UTF-8 is the 422 any malformed JSON is (it was an undocumented 400); a text
field the app refuses blank says so in its schema's pattern; a list's refused cursor is
its documented 400."""

from __future__ import annotations

import re

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


BLANK_REFUSING_FIELDS = [
    ("PostCreate", "title"),
    ("PostCreate", "body"),
    ("PostUpdate", "body"),
    ("CommentCreate", "body"),
    ("MessageCreate", "body"),
    ("OrgCreate", "name"),
    ("SpaceCreate", "name"),
    ("SpaceUpdate", "name"),
]


def _string_schema(property_schema: dict[str, object]) -> dict[str, object]:
    options = property_schema.get("anyOf", [property_schema])
    assert isinstance(options, list)
    return next(option for option in options if option.get("type") == "string")


@pytest.mark.parametrize(("schema", "field"), BLANK_REFUSING_FIELDS)
async def test_a_text_field_the_app_refuses_blank_says_so_in_its_schema(
    client: AsyncClient, schema: str, field: str
) -> None:
    document = (await client.get("/openapi.json")).json()
    string = _string_schema(document["components"]["schemas"][schema]["properties"][field])
    pattern = str(string["pattern"])
    assert re.search(pattern, "A line") is not None
    for refused in ("", "   ", "\x00"):
        assert re.search(pattern, refused) is None, (schema, field, refused)


async def test_every_paged_list_documents_its_refused_cursor_as_400(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    paged = [
        (path, operation)
        for path, item in document["paths"].items()
        for operation in item.values()
        if any(p["name"] == "cursor" for p in operation.get("parameters", []))
    ]
    assert paged
    for path, operation in paged:
        example = operation["responses"]["400"]["content"]["application/json"]["example"]
        assert example["error"]["code"] == "invalid_cursor", path
