"""The request-body cap, `MAX_BODY_BYTES`, enforced before anything parses the body (C15).

- A `Content-Length` above the cap is answered 413 at once, without reading the body.
- A body without `Content-Length` (chunked) is counted while it is read; the chunk that
  crosses the cap raises `BodyTooLarge`, a 413 HTTPException, so the route's error
  handler answers it in the API's error format; when something outside the routes was
  reading, this middleware answers it.
- A body with a `Content-Length` within the cap is not counted: the HTTP server
  already refuses a body longer than its declared length. Nor is an HTTP/1 request with
  neither header, which has no body.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import error_response
from app.core.middleware.security_headers import EDGE_RESPONSE_HEADERS

TOO_LARGE_MESSAGE = "The request body is too large."


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE_MESSAGE)


def _body_framing(scope: Scope) -> tuple[int | None, bool]:
    """(declared Content-Length, whether the request may carry a body at all)."""
    declared = None
    framed = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            framed = True
            try:
                declared = int(value)
            except ValueError:
                declared = None
        elif name == b"transfer-encoding":
            framed = True
    # HTTP/1.x: a request with neither header has no body (RFC 9112, 6.3). HTTP/2 and up
    # frame bodies themselves, so those are always counted.
    return declared, framed or scope.get("http_version", "1.1") >= "2"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, may_have_body = _body_framing(scope)
        if declared is not None and declared > self.max_body_bytes:
            await _too_large(scope, receive, send)
        elif declared is not None or not may_have_body:
            await self.app(scope, receive, send)
        else:
            await self._call_counting(scope, receive, send)

    async def _call_counting(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if response_started:
                raise
            await _too_large(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(
        413, "payload_too_large", TOO_LARGE_MESSAGE, headers=EDGE_RESPONSE_HEADERS
    )
    await response(scope, receive, send)
