"""One whole response sent straight from an ASGI middleware, before the app runs."""

from __future__ import annotations

from starlette.types import Send


async def send_whole_response(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    """Sends `body` with its content-length after the given headers."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
