"""What one access line costs in CPU: the request-context setup the middleware does, the
redaction of every value, the JSON rendering.

    uv run python -m benchmarks.access_line [--lines 5000] [--rounds 5]

Prints the median over rounds of the CPU microseconds per line (output to /dev/null).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import statistics
import time

import structlog

from app.core import logging as app_logging


def one_request_line(log: structlog.typing.FilteringBoundLogger) -> None:
    """The lines' work for one request that carries a session cookie and a CSRF header."""
    app_logging.start_request_secrets()
    app_logging.remember_secret_fields(
        [("session", secrets.token_urlsafe(32)), ("x-csrf-token", secrets.token_urlsafe(32))]
    )
    app_logging.bind_request(request_id=secrets.token_hex(16))
    log.info("request", method="GET", path="/api/v1/orgs/8a/spaces/77/posts", status=200,
             duration_ms=3.21, client_ip="127.0.0.1")  # fmt: skip
    app_logging.clear_request_context()
    app_logging.end_request_secrets()


def cpu_us_per_line(lines: int) -> float:
    log = structlog.get_logger("app.access")
    started = time.process_time()
    for _ in range(lines):
        one_request_line(log)
    return (time.process_time() - started) / lines * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    configured = [secrets.token_urlsafe(48), secrets.token_urlsafe(24)]
    app_logging.configure_logging(json_lines=True, secret_values=configured)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        cpu_us_per_line(args.lines // 10)  # warm-up
        costs = [cpu_us_per_line(args.lines) for _ in range(args.rounds)]
    print(f"access line: {statistics.median(costs):.1f} us CPU (median of {args.rounds} rounds)")


if __name__ == "__main__":
    main()
