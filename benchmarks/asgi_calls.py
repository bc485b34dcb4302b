"""Requests served in process through the ASGI interface, and the CPU time they cost:
what benchmarks.request_cost and benchmarks.edge_middleware both measure with."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Message, Receive, Send], Awaitable[None]]


async def serve_once(app: Asgi, scope: Message, body: bytes = b"") -> int:
    """One request through `app`; its response status."""
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def cpu_us_per_request(
    app: Asgi, new_scope: Callable[[], Message], requests: int, body: bytes = b""
) -> float:
    """CPU microseconds of this process per request, over `requests` sequential ones (each
    with a fresh scope: the app writes into it); a non-2xx answer stops the benchmark."""
    started = time.process_time()
    for _ in range(requests):
        scope = new_scope()
        status = await serve_once(app, scope, body)
        if not 200 <= status < 300:
            raise SystemExit(f"{scope['method']} {scope['path']} answered {status}")
    return (time.process_time() - started) / requests * 1e6
