"""The app as a deployment to audit: one process, real sockets, TLS, and switchable faults.

    python -m tests.launch_audit.deployment --http PORT --tls NAME:PORT:CERT:KEY ...

Serves one app, built from the settings in the environment with ENVIRONMENT=production
(skipping only the start-up refusal, since the test database is SQLite; the process
itself runs with ENVIRONMENT=test so that importing `app.main` does not refuse), on a
plain http port and on one TLS port per certificate. The app is wrapped in `Faults`:
a stand-in for the misconfigurations the app itself cannot be made to show (a proxy
that does not redirect, one that loops, one that strips HSTS or adds a banner...).
The faults in force are the names written in the file `AUDIT_FAULT_FILE` (comma
separated: one misconfiguration, and `link-pages-served` to stand in for the pages
package), read on every request, so a test switches it without a restart; an empty file means none.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.settings import Environment, Settings
from app.main import create_app

HTTP_NO_REDIRECT = "http-no-redirect"
REDIRECT_LOOP = "redirect-loop"
NO_HSTS = "no-hsts"
DOCS_OPEN = "docs-open"
REFLECTED_CORS = "reflected-cors"
BANNER = "banner"
PLAIN_COOKIE = "plain-cookie"
WWW_SERVED = "www-served"  # the other host answers instead of redirecting
NO_CSP = "no-csp"
TRACEBACK = "traceback"  # a debug error page on every 404
NOT_READY = "not-ready"
SESSION_COOKIE_RENAMED = "session-cookie-renamed"
ENUMERATION = "enumeration"  # unknown addresses get a 404 of their own
LINK_PAGES_SERVED = "link-pages-served"  # the mailed-link pages, as the pages package serves them
LINK_PAGE_SIGNS_IN = "link-page-signs-in"  # /magic-link consumes on GET: sign-in and redirect
LINK_PAGES = ("/verify-email", "/magic-link", "/reset-password", "/invite", "/confirm-email")
UNKNOWN_PREFIX = b'"audit-'  # the audit's made-up addresses start so
DEBUG_PAGE = (
    b'Traceback (most recent call last):\n  File "/srv/app/.venv/lib/python3.12/site-packages'
    b'/starlette/routing.py", line 715, in __call__\nsqlalchemy.exc.NoResultFound'
)

Headers = list[tuple[bytes, bytes]]


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key == name), None)


class Faults:
    def __init__(self, app: ASGIApp, fault_file: Path) -> None:
        self.app = app
        self.fault_file = fault_file

    def faults(self) -> set[str]:
        try:
            return {name for name in self.fault_file.read_text().split(",") if name.strip()}
        except FileNotFoundError:
            return set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.faults()
        if scope["type"] != "http" or not faults:
            await self.app(scope, receive, send)
            return
        fault = next(iter(faults - {LINK_PAGES_SERVED}), "")  # at most one besides the pages
        if LINK_PAGES_SERVED in faults and scope["path"] in LINK_PAGES:
            fault = fault if fault == LINK_PAGE_SIGNS_IN else LINK_PAGES_SERVED
        if fault == ENUMERATION and scope["method"] == "POST":
            body = await _read_body(receive)
            if b'"email"' in body and UNKNOWN_PREFIX in body:
                receive = _replay(b"", receive)
                answer: tuple[int, Headers, bytes] | None = (
                    404, [(b"content-type", b"application/json")], b'{"error": "no such account"}'
                )  # fmt: skip
            else:
                receive = _replay(body, receive)
                answer = None
        else:
            answer = self._answer_instead(scope, fault)
        if answer is not None:
            status, headers, body = answer
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        debug_page = False

        async def send_altered(message: Message) -> None:
            nonlocal debug_page
            if message["type"] == "http.response.start":
                message["headers"] = self._altered(scope, fault, list(message["headers"]))
                if fault == TRACEBACK and message["status"] == 404:
                    debug_page = True
                    message["headers"] = [
                        *[(k, v) for k, v in message["headers"] if k != b"content-length"],
                        (b"content-length", str(len(DEBUG_PAGE)).encode()),
                    ]
            elif debug_page:
                message = {"type": "http.response.body", "body": DEBUG_PAGE, "more_body": False}
            await send(message)

        await self.app(scope, receive, send_altered)

    def _answer_instead(self, scope: Scope, fault: str) -> tuple[int, Headers, bytes] | None:
        plain = scope["scheme"] == "http"
        if plain and fault == HTTP_NO_REDIRECT:
            return 200, [(b"content-type", b"text/plain")], b"welcome, over plain http"
        if plain and fault == REDIRECT_LOOP:
            host = _header(scope, b"host") or b"localhost"
            return 301, [(b"location", b"http://" + host + b"/")], b""
        host = _header(scope, b"host") or b""
        if fault == WWW_SERVED and not plain and host.startswith(b"www."):
            return 200, [(b"content-type", b"text/html")], b"<h1>Welcome</h1>"
        if fault == NOT_READY and scope["path"] == "/readyz":
            return 503, [(b"content-type", b"application/json")], b'{"status": "starting"}'
        if fault == DOCS_OPEN and scope["path"] in ("/docs", "/openapi.json"):
            return 200, [(b"content-type", b"text/html")], b"<title>Swagger UI</title>"
        if fault == LINK_PAGE_SIGNS_IN and scope["path"] == "/magic-link":
            cookie = b"__Host-session=stolen; Path=/; Secure; HttpOnly; SameSite=Lax"
            return 303, [(b"location", b"/dashboard"), (b"set-cookie", cookie)], b""
        if fault in (LINK_PAGES_SERVED, LINK_PAGE_SIGNS_IN) and scope["path"] in LINK_PAGES:
            return 200, [(b"content-type", b"text/html")], b"<form method=post>...</form>"
        return None

    def _altered(self, scope: Scope, fault: str, headers: Headers) -> Headers:
        if fault == NO_HSTS:
            return [(k, v) for k, v in headers if k.lower() != b"strict-transport-security"]
        if fault == NO_CSP:
            return [(k, v) for k, v in headers if k.lower() != b"content-security-policy"]
        if fault == BANNER:
            return [*headers, (b"server", b"nginx/1.18.0 (Ubuntu)")]
        origin = _header(scope, b"origin")
        if fault == REFLECTED_CORS and origin is not None:
            return [
                *headers,
                (b"access-control-allow-origin", origin),
                (b"access-control-allow-credentials", b"true"),
            ]
        if fault == SESSION_COOKIE_RENAMED:
            return [
                (k, v.replace(b"__Host-session=", b"session=") if k == b"set-cookie" else v)
                for k, v in headers
            ]
        if fault == PLAIN_COOKIE and scope["path"].endswith("/auth/login"):
            # A load balancer's affinity cookie, as proxies commonly add it.
            return [*headers, (b"set-cookie", b"lb=app-1; Path=/; Secure; HttpOnly; SameSite=Lax")]
        return headers


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read already, then whatever the connection says next (a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


class _Server(uvicorn.Server):
    """Several servers share one loop here, so signals are handled once, for all of them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _config(app: ASGIApp, port: int, lifespan: str, **tls: str) -> uvicorn.Config:
    return uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan=lifespan,  # type: ignore[arg-type]
        server_header=False, access_log=False, log_level="warning", **tls,  # type: ignore[arg-type]
    )  # fmt: skip


async def serve(http_port: int, tls: list[str]) -> None:
    settings = Settings(_env_file=None, environment=Environment.PRODUCTION)
    app = Faults(create_app(settings), Path(os.environ["AUDIT_FAULT_FILE"]))
    configs = [_config(app, http_port, "on")]  # one lifespan: the app starts once
    for listener in tls:
        _name, port, certificate, key = listener.split(":")
        configs.append(_config(app, int(port), "off", ssl_certfile=certificate, ssl_keyfile=key))
    servers = [_Server(config) for config in configs]

    def stop_all() -> None:
        for server in servers:
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop_all)
    await asyncio.gather(*(server.serve() for server in servers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--http", type=int, required=True)
    parser.add_argument("--tls", action="append", default=[], metavar="NAME:PORT:CERT:KEY")
    args = parser.parse_args()
    asyncio.run(serve(args.http, args.tls))


if __name__ == "__main__":
    main()
