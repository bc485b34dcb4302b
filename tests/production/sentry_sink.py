"""A local HTTP endpoint standing in for Sentry: it keeps every envelope it is sent."""

from __future__ import annotations

import gzip
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class SentrySink:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.received = threading.Event()
        self.dsn = ""


def _handler(sink: SentrySink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            sink.raw.append(body)
            for line in body.splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict) and ("event_id" in item and "level" in item):
                    sink.events.append(item)
            sink.received.set()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_args: Any) -> None:
            return

    return Handler


@contextmanager
def sentry_sink() -> Iterator[SentrySink]:
    sink = SentrySink()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(sink))
    key = secrets.token_hex(16)
    sink.dsn = f"http://{key}@127.0.0.1:{server.server_address[1]}/1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
