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
    assert wrong == []
    assert "HTTPValidationError" not in str(schema)


async def test_every_operation_documents_422_and_429_with_retry_after(
    schema: dict[str, Any],
) -> None:
    for method, path, operation in _operations(schema):
        responses = operation["responses"]
        assert "422" in responses, f"{method} {path}"
        assert "Retry-After" in responses["429"]["headers"], f"{method} {path}"


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
