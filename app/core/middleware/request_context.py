"""Outermost middleware: request ID, log context, access line, last-resort 500.

Plain ASGI (not BaseHTTPMiddleware), so context variables bound here are seen by
the route, its dependencies and everything they call.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.database_errors import RETRY_AFTER_SECONDS, is_database_unavailable
from app.core.errors import error_body
from app.core.logging import (
    bind_request,
    clear_request_context,
    end_request_secrets,
    is_sensitive_key,
    remember_secret,
    remember_secret_fields,
    start_request_secrets,
)
from app.core.metrics import Metrics, route_template
from app.core.middleware.raw_response import send_whole_response
from app.core.request_id import (
    REQUEST_ID_HEADER,
    accept_or_make_request_id,
    set_request_id,
)

access_logger = structlog.get_logger("app.access")
error_logger = structlog.get_logger("app.errors")
_HEADER_NAME = REQUEST_ID_HEADER.lower().encode()


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == _HEADER_NAME:
            return str(value.decode("latin-1"))
    return None


def _remember_credentials(scope: Scope) -> None:
    """The request's own credentials are never logged by value: headers, cookies and
    query parameters named like secrets, and whatever an Authorization header carries."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            pairs = (part.partition("=") for part in value.decode("latin-1").split(";"))
            remember_secret_fields((key.strip(), item.strip()) for key, _, item in pairs)
        elif name == b"authorization":
            remember_secret(value.decode("latin-1").partition(" ")[2].strip())
        elif is_sensitive_key(name.decode("latin-1")):
            remember_secret(value.decode("latin-1"))
    query = scope.get("query_string", b"")
    if query:
        remember_secret_fields(parse_qsl(query.decode("latin-1")))


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        clear_request_context()
        start_request_secrets()
        _remember_credentials(scope)
        request_id = accept_or_make_request_id(_incoming_request_id(scope))
        set_request_id(request_id)
        bind_request(request_id=request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (_HEADER_NAME, request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as exc:
            if is_database_unavailable(exc):
                error_logger.warning("database_unavailable", exc_type=type(exc).__name__)
                if not response_started:
                    await _send_database_unavailable(send_with_request_id)
                return
            error_logger.exception("unhandled_exception", exc_type=type(exc).__name__)
            if response_started:
                raise
            await _send_internal_error(send_with_request_id)
        finally:
            seconds = time.perf_counter() - started
            if self.metrics is not None:
                self.metrics.observe_request(
                    scope["method"], route_template(scope), status, seconds
                )
            access_logger.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                duration_ms=round(seconds * 1000, 2),
                client_ip=(scope.get("client") or ("", 0))[0],
            )
            clear_request_context()
            end_request_secrets()
            set_request_id(None)


async def _send_internal_error(send: Send) -> None:
    body = json.dumps(error_body("internal_error", "Something went wrong on our side.")).encode()
    await _send_json(send, 500, body)


async def _send_database_unavailable(send: Send) -> None:
    message = "The service is briefly unavailable. Try again in a moment."
    body = json.dumps(error_body("service_unavailable", message)).encode()
    await _send_json(send, 503, body, [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())])


async def _send_json(
    send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send_whole_response(
        send, status, body, [(b"content-type", b"application/json"), *(extra or [])]
    )
