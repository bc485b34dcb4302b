"""The OpenAPI document tells the truth: the error model, the session cookie, the CSRF header.

The test walks every operation of /openapi.json as a client generator would read it.
"""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from app.openapi import UNSAFE_METHODS

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture
async def schema(client: AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(schema: dict[str, Any]) -> list[Operation]:
    return [
        (method, path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def _is_error_model(response: dict[str, Any]) -> bool:
    content = response.get("content", {}).get("application/json", {})
    return bool(content.get("schema") == {"$ref": "#/components/schemas/Error"})


async def test_every_error_response_uses_the_error_model(schema: dict[str, Any]) -> None:
    wrong = [
        f"{method} {path} {status}"
        for method, path, operation in _operations(schema)
        for status, response in operation["responses"].items()
        if status.startswith(("4", "5")) and not _is_error_model(response)
    ]
    assert wrong == ["get /readyz 503"]  # its own {"status": "not_ready", "reason"} body
    assert "HTTPValidationError" not in str(schema)


async def test_operations_with_input_document_422(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        # The CSRF header is checked by the route policy (403), not validated (422).
        inputs = [p for p in operation.get("parameters", []) if p["name"] != "X-CSRF-Token"]
        if inputs or "requestBody" in operation:
            assert "422" in operation["responses"], f"{method} {path}"


async def test_every_429_and_503_documents_retry_after(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        for status in {"429", "503"} & set(operation["responses"]):
            response = operation["responses"][status]
            if not _is_error_model(response):
                continue  # readyz's own 503 body
            assert "Retry-After" in response.get("headers", {}), f"{method} {path} {status}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/auth/login"),  # an IP limit
        ("post", "/api/v1/orgs/{org_id}/spaces/{space_id}/posts"),  # a per-member limit
        ("post", "/api/v1/webhooks/stripe"),
    ],
)
async def test_rate_limited_operations_document_429(
    schema: dict[str, Any], method: str, path: str
) -> None:
    assert "429" in schema["paths"][path][method]["responses"]


async def test_an_operation_without_a_rate_limit_documents_no_429(schema: dict[str, Any]) -> None:
    assert "429" not in schema["paths"]["/api/v1/orgs/{org_id}"]["get"]["responses"]


async def test_operations_reading_the_database_document_503_and_healthz_does_not(
    schema: dict[str, Any],
) -> None:
    assert "503" in schema["paths"]["/api/v1/orgs/{org_id}"]["get"]["responses"]
    assert "503" not in schema["paths"]["/healthz"]["get"]["responses"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/verify-email",
        "/api/v1/auth/magic-link/consume",
        "/api/v1/auth/password-reset/confirm",
        "/api/v1/me/email-change/confirm",
        "/api/v1/invites/preview",
        "/api/v1/invites/accept",
        "/api/v1/unsubscribe",
        "/api/v1/unsubscribe/one-click",
    ],
)
async def test_token_routes_document_400_invalid_token(schema: dict[str, Any], path: str) -> None:
    response = schema["paths"][path]["post"]["responses"]["400"]
    assert "invalid_token" in response["description"]


async def test_a_token_route_answers_the_documented_400(client: AsyncClient) -> None:
    response = await client.post("/api/v1/invites/preview", json={"token": "not-a-token"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_token"


async def test_operations_behind_a_login_declare_the_cookie_and_401(
    schema: dict[str, Any],
) -> None:
    scheme = schema["components"]["securitySchemes"]["sessionCookie"]
    assert (scheme["type"], scheme["in"]) == ("apiKey", "cookie")
    protected = [op for op in _operations(schema) if op[2].get("security")]
    assert protected, "no operation declares the session cookie"
    for method, path, operation in protected:
        assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"


async def test_state_changing_calls_behind_a_login_take_the_csrf_header(
    schema: dict[str, Any],
) -> None:
    for method, path, operation in _operations(schema):
        if method not in UNSAFE_METHODS or not operation.get("security"):
            continue
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        assert any(p["name"] == "X-CSRF-Token" and p["required"] for p in headers), (
            f"{method} {path}"
        )


async def test_bodies_may_be_too_large_and_paths_may_be_missing(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        if "requestBody" in operation:
            assert "413" in operation["responses"], f"{method} {path}"
        if "{" in path:
            assert "404" in operation["responses"], f"{method} {path}"


async def test_the_documented_me_route_answers_401_in_the_error_model(
    client: AsyncClient, schema: dict[str, Any]
) -> None:
    assert "401" in schema["paths"]["/api/v1/me"]["get"]["responses"]

    response = await client.get("/api/v1/me")

    assert response.status_code == 401
    assert set(response.json()["error"]) >= {"code", "message"}
