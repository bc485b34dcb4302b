"""Host header validation, HTTPS, and the canonical host (C20).

Every request must name a host of `ALLOWED_HOSTS`, else 400 `invalid_host`: links and
redirects are never built from a Host the client chose, and DNS-rebinding pages get
nothing.

In production with an https `PUBLIC_URL`, requests must arrive over https (the
scheme as settled by the trusted-proxy middleware, so a TLS-terminating proxy that says
`X-Forwarded-Proto: https` causes no redirect loop) and on the canonical host:

- plain http GET/HEAD outside the API: 308 to the same path on `PUBLIC_URL`'s origin;
- plain http API calls, and any other plain http method: 403 `https_required`, never a
  redirect, since a redirect follows the credentials that already travelled in clear
  (ASVS 4.1.2);
- https on another allowed host (www vs apex): 308 to the canonical origin.

`/healthz`, `/readyz` and `/metrics` skip the host and scheme rules: load balancers,
orchestrators and Prometheus reach them over plain http, by IP or internal name. The
first two reveal nothing a visitor could use; `/metrics` guards itself in production
(token or allowed network, else 404).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.errors import error_response
from app.core.middleware.security_headers import EDGE_RESPONSE_HEADERS, HSTS_VALUE
from app.core.settings import Settings

API_PREFIX = "/api/"
INFRASTRUCTURE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
REDIRECTABLE_METHODS = frozenset({"GET", "HEAD"})


def hostname_of(host: str) -> str:
    """`Host` without port or IPv6 brackets, lower case, without a trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1 : host.find("]")]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


class HostMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.allowed = frozenset(hostname_of(host) for host in settings.allowed_hosts)
        self.any_host = "*" in settings.allowed_hosts
        self.enforce_https = settings.is_production and settings.public_is_https
        self.canonical_host = hostname_of(urlsplit(settings.public_url).netloc)
        self.canonical_origin = settings.public_origin.encode("latin-1")
        self._https_redirect_headers = [
            (b"strict-transport-security", HSTS_VALUE.encode()),
            (b"content-length", b"0"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in INFRASTRUCTURE_PATHS:
            await self.app(scope, receive, send)
            return
        host = self._requested_host(scope)
        if host is None:
            await _refuse(
                scope, receive, send, 400, "invalid_host", "This host is not served here."
            )
        elif not self.enforce_https or (scope["scheme"] == "https" and host == self.canonical_host):
            await self.app(scope, receive, send)
        elif scope["scheme"] == "https":
            await self._redirect(scope, send, self._https_redirect_headers)
        elif scope["method"] in REDIRECTABLE_METHODS and not scope["path"].startswith(API_PREFIX):
            await self._redirect(scope, send, [(b"content-length", b"0")])
        else:
            await _refuse(
                scope, receive, send, 403, "https_required", "This service only answers over https."
            )

    def _requested_host(self, scope: Scope) -> str | None:
        """The request's hostname when it is an allowed one, else None."""
        for name, value in scope["headers"]:
            if name == b"host":
                host = hostname_of(value.decode("latin-1"))
                return host if self.any_host or host in self.allowed else None
        return None

    async def _redirect(self, scope: Scope, send: Send, headers: list[tuple[bytes, bytes]]) -> None:
        location = self.canonical_origin + (scope.get("raw_path") or scope["path"].encode())
        if scope["query_string"]:
            location += b"?" + scope["query_string"]
        await send(
            {
                "type": "http.response.start",
                "status": 308,
                "headers": [(b"location", location), *headers],
            }
        )
        await send({"type": "http.response.body", "body": b""})


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
) -> None:
    response = error_response(status, code, message, headers=EDGE_RESPONSE_HEADERS)
    await response(scope, receive, send)
