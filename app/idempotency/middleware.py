"""Stores the 2xx answer of a create sent with a new Idempotency-Key, before sending it."""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.idempotency.service import pending_key, record_answer

logger = structlog.get_logger("app.idempotency")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        if scope["type"] != "http" or b"idempotency-key" not in headers:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            await self._record(scope, start, body)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)

    async def _record(self, scope: Scope, start: Message, body: bytes) -> None:
        pending = pending_key(scope.get("state") or {})
        status = int(start["status"])
        if pending is None or not 200 <= status < 300:
            return
        content_type = dict(start.get("headers") or []).get(b"content-type", b"")
        try:
            await record_answer(
                scope["app"].state.database, pending, status, content_type.decode("latin-1"), body
            )
        except Exception as exc:  # the create stands; a retry then answers 409 in progress
            logger.warning("idempotency_answer_not_stored", exc_type=type(exc).__name__)
