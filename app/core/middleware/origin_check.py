"""Cross-site requests that change state are refused (C08, with the CSRF token check).

A browser names the page that made a request in `Origin`. For unsafe methods, a
present Origin must be the public origin or one of `CORS_ORIGINS`; `Sec-Fetch-Site:
cross-site` without an allowed Origin is refused too. Requests without either header
(curl, server-to-server, webhooks) pass here; cookie-authenticated ones still need
the session's CSRF token (app.authz.caller). `exempt_paths` are endpoints that carry
their own proof and are posted from elsewhere by design (RFC 8058 one-click
unsubscribe, signed with its token), where no session is ever used.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.errors import error_body
from app.core.middleware.raw_response import send_whole_response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class OriginCheckMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_origins: list[str],
        exempt_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.allowed = frozenset(origin.rstrip("/").encode() for origin in allowed_origins)
        self.exempt_paths = exempt_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in UNSAFE_METHODS
            and scope["path"] not in self.exempt_paths
            and self._is_cross_site(scope["headers"])
        ):
            await _refuse(send)
            return
        await self.app(scope, receive, send)

    def _is_cross_site(self, headers: list[tuple[bytes, bytes]]) -> bool:
        origin = fetch_site = None
        for name, value in headers:
            if name == b"origin":
                origin = value
            elif name == b"sec-fetch-site":
                fetch_site = value
        if origin is not None and origin != b"null":
            return origin.rstrip(b"/") not in self.allowed
        return origin == b"null" or fetch_site == b"cross-site"


async def _refuse(send: Send) -> None:
    body = json.dumps(
        error_body("csrf_failed", "Cross-site requests may not change anything here.")
    ).encode()
    await send_whole_response(send, 403, body, [(b"content-type", b"application/json")])
