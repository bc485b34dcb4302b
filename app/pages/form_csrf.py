"""CSRF for page forms, which cannot send headers.

A page POST must carry, in its `csrf_token` field, either the CSRF value of the session
cookie it carries or the visitor's `form_csrf` cookie (a visitor not yet logged in);
otherwise it is refused here (only page form routes, `form_paths`, are checked). The
value is then handed on as `X-CSRF-Token`, so the authorization layer (app.authz.caller)
checks a session's form exactly as it checks an API call. The Origin check
(app.core.middleware.origin_check) runs before this.
"""

from __future__ import annotations

import contextlib
import re
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.middleware.raw_response import send_whole_response
from app.core.security import csrf_token_for, same_secret
from app.core.settings import Settings
from app.pages.rendering import CSRF_FIELD, FORM_CSRF_COOKIE

FORM_TYPE = b"application/x-www-form-urlencoded"
REFUSED = (
    b"<!doctype html><html lang=en><title>This form has expired</title>"
    b"<h1>This form has expired</h1><p>Please go back, reload the page and send it again.</p>"
)


class PageFormCsrfMiddleware:
    def __init__(
        self, app: ASGIApp, *, settings: Settings, form_paths: list[re.Pattern[str]]
    ) -> None:
        self.app = app
        self.settings = settings
        self.form_paths = form_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not any(path.match(scope["path"]) for path in self.form_paths)
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        supplied = _form_value(scope, body)
        if supplied is None or not any(same_secret(supplied, v) for v in self._accepted(scope)):
            await _refuse(send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k != b"x-csrf-token"]
        scope = {**scope, "headers": [*headers, (b"x-csrf-token", supplied.encode())]}
        await self.app(scope, _replay(body), send)

    def _accepted(self, scope: Scope) -> list[str]:
        cookies = _cookies(scope)
        accepted = []
        session = cookies.get(self.settings.session_cookie_name)
        if session:
            accepted.append(csrf_token_for(session, self.settings.signing_key()))
        if cookies.get(FORM_CSRF_COOKIE):
            accepted.append(cookies[FORM_CSRF_COOKIE])
        return accepted


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope["headers"]:
        if name == b"cookie":
            with contextlib.suppress(CookieError):  # a malformed header proves nothing
                jar.load(value.decode("latin-1"))
    return {key: morsel.value for key, morsel in jar.items()}


def _form_value(scope: Scope, body: bytes) -> str | None:
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    if content_type.split(b";")[0].strip().lower() != FORM_TYPE:
        return None
    values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD)
    return values[0] if values else None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _refuse(send: Send) -> None:
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store")]
    await send_whole_response(send, 403, REFUSED, headers)
