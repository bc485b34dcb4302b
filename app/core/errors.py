"""The one error shape of the API and the handlers that produce it.

`{"error": {"code", "message", "request_id"}}` for every error; never a stack trace,
SQL or a secret.
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.request_id import current_request_id

STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class AppError(Exception):
    """A failure the caller may see: its status, a stable code and a plain message.

    A subclass declared with `status=` takes that status and its code from STATUS_CODES.
    """

    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init_subclass__(cls, status: int | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code, cls.code = status, STATUS_CODES[status]

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(AppError, status=400):
    """AppError's own status, named as the others are."""


class NotAuthenticated(AppError, status=401):
    message = "You need to log in."


class Forbidden(AppError, status=403):
    message = "You may not do this."


class NotFound(AppError, status=404):
    message = "Not found."


class Conflict(AppError, status=409):
    message = "This conflicts with the current state."


class Invalid(AppError, status=422):
    message = "The request is not valid."


class Unavailable(AppError, status=503):
    message = "The service is not available right now."


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "request_id": current_request_id()}
    error.update(extra)
    return {"error": error}


def error_response(
    status_code: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        error_body(code, message, **extra), status_code=status_code, headers=headers
    )


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    exc = cast(AppError, exc)
    return error_response(exc.status_code, exc.code, exc.message, exc.headers or None)


# FastAPI's answer to a JSON body it cannot even decode (not UTF-8): a 400 the schema
# does not document, where malformed JSON is a 422. Answered as the 422 it is.
UNPARSABLE_BODY = "There was an error parsing the body"
_NOT_JSON = {"field": "", "message": "The body is not valid JSON.", "type": "json_invalid"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(StarletteHTTPException, exc)
    if exc.status_code == 400 and exc.detail == UNPARSABLE_BODY:
        return error_response(
            422, "validation_error", "The request is not valid.", details=[_NOT_JSON]
        )
    code = STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers or {})
    allowed = allowed_methods(request) if exc.status_code == 405 else []
    if allowed:
        headers["Allow"] = ", ".join(allowed)
    return error_response(exc.status_code, code, message, headers or None)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    path = request.url.path
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        regex = getattr(context, "path_regex", None)
        if regex is not None and regex.match(path):
            methods.update(getattr(context, "methods", None) or ())
    return sorted(methods)


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
    message = error.get("msg", "invalid")
    reason = (error.get("ctx") or {}).get("error")
    if error.get("type") == "json_invalid" and isinstance(reason, str):
        # FastAPI's message for any undecodable body; the reason says what is wrong.
        message = f"{message}: {reason}"
    return {"field": ".".join(location), "message": message, "type": error.get("type")}


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    exc = cast(RequestValidationError, exc)
    details = [_describe(dict(error)) for error in exc.errors()]
    return error_response(422, "validation_error", "The request is not valid.", details=details)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    # Unhandled exceptions are answered by RequestContextMiddleware, which still knows
    # the request ID; a handler for Exception would run outside it.
