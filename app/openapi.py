"""The OpenAPI document, made to tell the truth about errors, sessions and CSRF.

FastAPI documents only its own 422 shape; the API answers every error as
`{"error": {...}}` (app.core.errors). This rewrites each operation's error responses to
that model, with the statuses its route policy and method can produce, and declares
the session cookie and the `X-CSRF-Token` header that state-changing calls need.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.authz.policies import api_routes

UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})
ERROR_REF = {"$ref": "#/components/schemas/Error"}
CSRF_HEADER = "X-CSRF-Token"
SESSION_SCHEME = "sessionCookie"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["not_found"]},
                "message": {"type": "string", "examples": ["Not found."]},
                "request_id": {"type": ["string", "null"]},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                            "type": {"type": ["string", "null"]},
                        },
                    },
                },
            },
        }
    },
}

DESCRIPTIONS = {
    "400": "The request carries a bad credential of its own (e.g. a signature that fails).",
    "401": "Not logged in (no session, or it expired or was ended).",
    "403": "Not allowed: the role lacks the permission, or the CSRF header or Origin is wrong.",
    "404": "Not found, or not visible to the caller (a foreign org's object is a 404).",
    "409": "Conflicts with the current state (e.g. a taken slug or email).",
    "413": "The body is larger than MAX_BODY_BYTES.",
    "415": "The body is not JSON: send it as `application/json`.",
    "422": "The request is not valid; `details` names each field.",
    "429": "Too many requests; retry after `Retry-After` seconds.",
    "503": "Not available: a dependency is down or the feature is not configured here.",
}


def error_statuses(method: str, path: str, policies: list[str], has_body: bool) -> list[str]:
    """The error statuses an operation can answer, from its policy, method and shape."""
    statuses = {"422", "429"}
    public = policies == ["public"]
    unsafe = method in UNSAFE_METHODS
    if not public:
        statuses.add("401")
    if not public or unsafe:
        statuses.add("403")  # a role without the permission; a missing CSRF header or Origin
    if "{" in path or not public:
        statuses.add("404")
    if unsafe:
        statuses.add("409")
    if has_body:
        statuses.update({"413", "415"})
    return sorted(statuses)


def _error_response(status: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if status == "429":
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds until the limit allows another request.",
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    return response


def _rewrite(schema: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    policies = {
        (method.lower(), route.path): route.policies
        for route in api_routes(app)
        for method in route.methods
    }
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = {
        SESSION_SCHEME: {
            "type": "apiKey",
            "in": "cookie",
            "name": "session",
            "description": "The session cookie set by login (`__Host-session` in production).",
        }
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            route_policies = policies.get((method, path), ["public"])
            public = route_policies == ["public"]
            responses = operation.setdefault("responses", {})
            statuses = error_statuses(method, path, route_policies, "requestBody" in operation)
            # A route names the further error statuses it answers in its `responses=`.
            declared = [status for status in responses if status in DESCRIPTIONS]
            for status in {*statuses, *declared}:
                responses[status] = _error_response(status)
            if not public:
                operation["security"] = [{SESSION_SCHEME: []}]
            if method in UNSAFE_METHODS and not public:
                parameters = operation.setdefault("parameters", [])
                parameters.append(
                    {
                        "name": CSRF_HEADER,
                        "in": "header",
                        "required": True,
                        "description": "The value of the `csrf_token` cookie set at login.",
                        "schema": {"type": "string"},
                    }
                )
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the rewritten document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=app.description
            )
            app.openapi_schema = _rewrite(schema, app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
