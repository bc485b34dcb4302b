"""The OpenAPI document, made to tell the truth about errors, sessions and CSRF.

FastAPI documents only its own 422 shape; the API answers every error as
`{"error": {...}}` (app.core.errors). This rewrites each operation's error responses to
that model, with the statuses its route can produce: derived from its policy, method,
shape and dependencies, plus those the route names in `responses=` (app.core.api_docs).
It declares the session cookie and the `X-CSRF-Token` header that state-changing calls
need, the tags of the domains, and turns docstring line breaks into clean paragraphs.
"""

from __future__ import annotations

import http
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi

from app.authz.policies import api_routes
from app.core.dependencies import get_db
from app.idempotency.service import HEADER as IDEMPOTENCY_HEADER
from app.mail.service import ONE_CLICK_API_PATH

UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})
ERROR_REF = {"$ref": "#/components/schemas/Error"}
CSRF_HEADER = "X-CSRF-Token"
SESSION_SCHEME = "sessionCookie"
FASTAPI_422 = "/HTTPValidationError"
ORIGIN_CHECK_EXEMPT = frozenset({ONE_CLICK_API_PATH})  # as app.main exempts it
NOTED_CODE = re.compile(r"\(`([a-z][a-z0-9_]*)`")
IP_LIMIT_PREFIX = "rate_limit_"  # the name app.core.ratelimit.limit_by_ip gives its checks

TAGS: list[dict[str, str]] = [
    {
        "name": "accounts",
        "description": "Sign up, verify the address, log in (password or magic link), reset "
        "the password, and the caller's own account under `/me`: profile, sessions, email "
        "change.",
    },
    {
        "name": "orgs",
        "description": "Organisations, their members and roles (owner > admin > moderator > "
        "member), ownership transfer, the audit log, and invitations.",
    },
    {
        "name": "spaces",
        "description": "Spaces inside an org (open, private or paid), and who is in each.",
    },
    {"name": "posts", "description": "Posts in a space (drafts and published) and their comments."},
    {
        "name": "messages",
        "description": "Direct conversations between members of an org, and blocks.",
    },
    {
        "name": "billing",
        "description": "Paid membership through Stripe: the org's price, Checkout, the "
        "Customer Portal, a member's payment status, and Stripe's webhook.",
    },
    {
        "name": "mail",
        "description": "Unsubscribing from notification mail: from the page, and by RFC "
        "8058 one-click.",
    },
    {
        "name": "meta",
        "description": "Liveness and readiness probes for load balancers and orchestrators.",
    },
]

RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "schema": {"type": "integer", "minimum": 0},
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "description": "Every error the API answers has this shape.",
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable and machine-readable, e.g. `invalid_token`.",
                    "examples": ["not_found"],
                },
                "message": {
                    "type": "string",
                    "description": "One sentence for a person.",
                    "examples": ["Not found."],
                },
                "request_id": {
                    "type": ["string", "null"],
                    "description": "The `X-Request-ID` of this request, for support.",
                },
                "details": {
                    "type": "array",
                    "description": "With 422: one entry per invalid field.",
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
    "403": "Not allowed: the role lacks the permission, or the CSRF header or Origin is wrong "
    "(`csrf_failed`).",
    "404": "Not found, or not visible to the caller (a foreign org's object is a 404).",
    "409": "Conflicts with the current state (e.g. a taken slug, or an `Idempotency-Key` "
    "whose first request is still running).",
    "413": "The body is larger than MAX_BODY_BYTES.",
    "415": "The body is not JSON: send it as `application/json`.",
    "422": "The request is not valid; `details` names each field.",
    "429": "Too many requests; retry after `Retry-After` seconds.",
    "503": "Not available right now: the database is unreachable or saturated "
    "(`service_unavailable`, retry after `Retry-After` seconds), or a feature this call "
    "needs is not configured here.",
}
EXAMPLE_MESSAGES = {
    "400": ("invalid_token", "This link is not valid any more."),
    "401": ("not_authenticated", "You need to log in."),
    "403": ("forbidden", "You may not do this."),
    "404": ("not_found", "Not found."),
    "409": ("conflict", "This conflicts with the current state."),
    "413": ("payload_too_large", "The request body is too large."),
    "415": ("unsupported_media_type", "This route takes a JSON body."),
    "422": ("validation_error", "The request is not valid."),
    "429": ("rate_limited", "Too many requests; try again later."),
    "503": ("service_unavailable", "The service is not available right now."),
}
API_DESCRIPTION = """JSON in and out under `/api/v1`.

**Errors** all have one shape, `{"error": {"code", "message", "request_id"}}` (with
`details` naming each field of a 422). The `code` is stable; the message is for people.

**Sessions**: log in with `POST /api/v1/auth/login`; the answer sets the session cookie
and a readable `csrf_token` cookie, and carries the same `csrf_token`. Every POST, PUT,
PATCH and DELETE made with the session cookie sends that value in `X-CSRF-Token`, or
gets 403 `csrf_failed`.

**Lists** are cursor-paginated: `?limit=&cursor=`, answering `{"items", "next_cursor"}`;
pass `next_cursor` back until it is null.

**Creates** take an optional `Idempotency-Key` header: a retry with the same key and
body answers the first result again instead of creating twice."""


CURSOR_REFUSED = "The cursor is not one this list handed out (`invalid_cursor`)."


@dataclass(frozen=True)
class RouteFacts:
    """What the route itself says about the errors it can answer."""

    public: bool
    reads_database: bool
    ip_limited: bool


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for child in dependant.dependencies:
        yield from _dependencies(child)


def _facts(app: FastAPI) -> dict[tuple[str, str], RouteFacts]:
    facts = {}
    for route in api_routes(app):
        calls = [d.call for d in _dependencies(route.dependant) if d.call is not None]
        names = [getattr(call, "__name__", "") for call in calls]
        route_facts = RouteFacts(
            public=route.policies == ["public"],
            reads_database=get_db in calls,
            ip_limited=any(name.startswith(IP_LIMIT_PREFIX) for name in names),
        )
        for method in route.methods:
            facts[(method.lower(), route.path)] = route_facts
    return facts


def _header_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"}


def error_statuses(
    method: str, path: str, facts: RouteFacts, operation: dict[str, Any]
) -> set[str]:
    """The error statuses an operation can answer, from its policy, method and shape."""
    statuses: set[str] = set()
    unsafe = method in UNSAFE_METHODS
    has_body = "requestBody" in operation
    if operation.get("parameters") or has_body:
        statuses.add("422")
    if not facts.public:
        statuses.add("401")
    if not facts.public or (unsafe and path not in ORIGIN_CHECK_EXEMPT):
        statuses.add("403")  # a role without the permission; a missing CSRF header or Origin
    if "{" in path or not facts.public:
        statuses.add("404")
    if unsafe and IDEMPOTENCY_HEADER in _header_names(operation):
        statuses.add("409")  # the key's first request is still running; others are declared
    if has_body:
        statuses.update({"413", "415"})
    if facts.ip_limited:
        statuses.add("429")
    if facts.reads_database:
        statuses.add("503")
    return statuses


def _example(status: str, note: str | None) -> dict[str, Any]:
    """An error body for the status; a route's note naming a code, as "... (`code`)", gives
    that code and the note's words before it."""
    code, message = EXAMPLE_MESSAGES[status]
    named = NOTED_CODE.search(note or "")
    if note and named:
        code, message = named.group(1), note[: named.start()].strip().rstrip(".") + "."
    return {"error": {"code": code, "message": message, "request_id": "5f0c2a9e8b7d4c31"}}


def _error_response(status: str, declared: dict[str, Any] | None) -> dict[str, Any]:
    note = (declared or {}).get("description")
    if note == http.HTTPStatus(int(status)).phrase:  # FastAPI's default for a bare status
        note = None
    description = note or DESCRIPTIONS[status]
    example = _example(status, note)
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ERROR_REF, "example": example}},
    }
    if status in {"429", "503"}:
        response["headers"] = {"Retry-After": RETRY_AFTER}
    return response


def _schema_ref(response: dict[str, Any]) -> str:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", ""))


def _has_own_model(response: dict[str, Any]) -> bool:
    """A route's own documented body for an error status (readyz's 503 `not_ready`)."""
    ref = _schema_ref(response)
    return bool(ref) and not ref.endswith(FASTAPI_422)


def clean_description(text: str) -> str:
    """Docstring line breaks become spaces; blank lines and list items stay breaks."""
    paragraphs = []
    for paragraph in text.strip().split("\n\n"):
        lines: list[str] = []
        for line in (raw.strip() for raw in paragraph.splitlines()):
            if lines and not line.startswith(("- ", "* ")):
                lines[-1] = f"{lines[-1]} {line}"
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _query_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}


def _document_errors(path: str, method: str, operation: dict[str, Any], facts: RouteFacts) -> None:
    responses = operation.setdefault("responses", {})
    declared = {  # what the route names in `responses=`, not FastAPI's own 422
        status: response
        for status, response in responses.items()
        if status in DESCRIPTIONS
        and not _has_own_model(response)
        and not _schema_ref(response).endswith(FASTAPI_422)
    }
    if "cursor" in _query_names(operation):  # a signed value of the server's own
        declared.setdefault("400", {"description": CURSOR_REFUSED})
    for status in error_statuses(method, path, facts, operation) | set(declared):
        if status in responses and _has_own_model(responses[status]):
            continue
        responses[status] = _error_response(status, declared.get(status))
    operation["responses"] = dict(sorted(responses.items()))


def _document_session(method: str, operation: dict[str, Any], facts: RouteFacts) -> None:
    if facts.public:
        return
    operation["security"] = [{SESSION_SCHEME: []}]
    if method in UNSAFE_METHODS:
        operation.setdefault("parameters", []).append(
            {
                "name": CSRF_HEADER,
                "in": "header",
                "required": True,
                "description": "The value of the `csrf_token` cookie set at login (also in "
                "the login answer's `csrf_token`).",
                "schema": {"type": "string"},
            }
        )


def _rewrite(schema: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    facts = _facts(app)
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
            route_facts = facts.get((method, path), RouteFacts(True, True, False))
            _document_errors(path, method, operation, route_facts)
            _document_session(method, operation, route_facts)
            if operation.get("description"):
                operation["description"] = clean_description(operation["description"])
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the rewritten document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                routes=app.routes,
                description=API_DESCRIPTION,
                tags=TAGS,
            )
            app.openapi_schema = _rewrite(schema, app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
