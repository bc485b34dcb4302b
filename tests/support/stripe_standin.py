"""A local stand-in for Stripe's API: it records what the app asked and answers like Stripe.

It runs a real HTTP server on a free port in a thread, so the official `stripe` package
goes through its whole HTTP path (form encoding, auth header, response parsing) with
`STRIPE_API_BASE` pointed at it.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

CHECKOUT_PATH = "/v1/checkout/sessions"
PORTAL_PATH = "/v1/billing_portal/sessions"


@dataclass
class StripeCall:
    path: str
    form: dict[str, str]
    authorization: str


@dataclass
class StripeStandin:
    base_url: str = ""
    calls: list[StripeCall] = field(default_factory=list)
    refuse_with: int | None = None

    def calls_to(self, path: str) -> list[StripeCall]:
        return [call for call in self.calls if call.path == path]


def _answer(path: str) -> dict[str, str]:
    if path == CHECKOUT_PATH:
        session_id = "cs_test_" + secrets.token_hex(8)
        url = f"https://checkout.stripe.test/c/pay/{session_id}"
        return {"id": session_id, "object": "checkout.session", "url": url}
    portal_id = "bps_test_" + secrets.token_hex(8)
    url = f"https://billing.stripe.test/p/session/{portal_id}"
    return {"id": portal_id, "object": "billing_portal.session", "url": url}


def _handler_for(standin: StripeStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            auth = self.headers.get("Authorization", "")
            standin.calls.append(StripeCall(self.path, form, auth))
            if standin.refuse_with is not None:
                error = {"error": {"type": "invalid_request_error", "message": "refused"}}
                self._reply(standin.refuse_with, error)
            elif self.path in (CHECKOUT_PATH, PORTAL_PATH):
                self._reply(200, _answer(self.path))
            else:
                self._reply(404, {"error": {"type": "invalid_request_error"}})

        def _reply(self, status: int, body: object) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads `calls`, not the server's log."""

    return Handler


@pytest.fixture
def stripe_standin() -> Iterator[StripeStandin]:
    standin = StripeStandin()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(standin))
    standin.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
