"""Security headers on every response, precomputed once (C20).

- `Strict-Transport-Security: max-age=63072000; includeSubDomains` (two years) on
  responses served over https when `PUBLIC_URL` is https. Not `preload`: that is a
  one-way commitment for the whole domain, the operator's call.
- `X-Content-Type-Options: nosniff`; `X-Frame-Options: DENY` and CSP
  `frame-ancestors 'none'` (no framing, so no clickjacking).
- `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`: the service
  answers JSON, never a page that should load anything. Only the development API docs
  (`/docs`) get the framing rule alone, since Swagger UI loads its scripts from a CDN.
- HTML pages (app.pages) get `PAGE_CSP` instead: first-party scripts, styles and
  images only, no inline script or style, forms posting only here (and on to Stripe's
  Checkout and Portal, where "Join" and "Manage billing" redirect), no framing; and
  `Referrer-Policy: same-origin`, since under `no-referrer` a browser sends `Origin:
  null` with a form POST, which the Origin check refuses. Mailed tokens ride in the
  fragment, which no Referer ever carries.
- `Referrer-Policy: no-referrer`: nothing here needs to tell another site where a
  visitor came from, and `strict-origin-when-cross-origin` would still leak the origin.
- `Cross-Origin-Opener-Policy: same-origin`, `Cross-Origin-Resource-Policy:
  same-origin`: no other site may embed or open-and-script these responses. CORS
  requests from `CORS_ORIGINS` are not affected (CORP applies to no-cors loads only).
- `Cache-Control: no-store` on every `/api/` response, replacing any other value:
  API answers may be personal, and no shared or browser cache may keep them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.settings import Settings

HSTS_VALUE = "max-age=63072000; includeSubDomains"
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = "frame-ancestors 'none'"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self' https://checkout.stripe.com "
    "https://billing.stripe.com; base-uri 'none'; frame-ancestors 'none'"
)
API_PREFIX = "/api/"
DOCS_PREFIX = "/docs"

# For the few responses the outer middlewares (host check, body cap) answer themselves.
EDGE_RESPONSE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

Headers = list[tuple[bytes, bytes]]

_COMMON: Headers = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_CACHE_CONTROL = b"cache-control"


def _header_sets(hsts: bool) -> tuple[Headers, Headers, Headers, Headers]:
    """(API, docs, other, HTML page) response headers."""
    extra = [(b"strict-transport-security", HSTS_VALUE.encode())] if hsts else []
    api = [*_COMMON, *extra, (b"content-security-policy", STRICT_CSP.encode())]
    api.append((_CACHE_CONTROL, b"no-store"))
    docs = [*_COMMON, *extra, (b"content-security-policy", DOCS_CSP.encode())]
    other = [*_COMMON, *extra, (b"content-security-policy", STRICT_CSP.encode())]
    page = [
        *(item for item in _COMMON if item[0] != b"referrer-policy"),
        (b"referrer-policy", b"same-origin"),
        *extra,
        (b"content-security-policy", PAGE_CSP.encode()),
    ]
    return api, docs, other, page


def _is_html(headers: Headers) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self._plain = _header_sets(hsts=False)
        self._https = _header_sets(hsts=settings.public_is_https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api, docs, other, page = self._https if scope["scheme"] == "https" else self._plain
        path: str = scope["path"]
        is_api = path.startswith(API_PREFIX)
        added = api if is_api else docs if path.startswith(DOCS_PREFIX) else other

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                if is_api:
                    headers = [item for item in headers if item[0].lower() != _CACHE_CONTROL]
                chosen = page if added is other and _is_html(headers) else added
                message["headers"] = [*headers, *chosen]
            await send(message)

        await self.app(scope, receive, send_with_headers)
