"""p95 of 20 sequential requests: evidence first, a failure only on a generous bound."""

from __future__ import annotations

import math
import time

from app.launch_audit.client import Client
from app.launch_audit.model import Row, Status

SAMPLES = 20
WARN_SECONDS = 1.0
FAIL_SECONDS = 5.0


def p95(durations: list[float]) -> float:
    ordered = sorted(durations)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def verdict(seconds: float) -> Status:
    if seconds > FAIL_SECONDS:
        return Status.FAIL
    return Status.WARN if seconds > WARN_SECONDS else Status.PASS


def latency(client: Client) -> Row:
    title = f"p95 of {SAMPLES} sequential requests to /healthz and /"
    parts: list[str] = []
    worst = 0.0
    for path in ("/healthz", "/"):
        durations: list[float] = []
        for _ in range(SAMPLES):
            started = time.perf_counter()
            client.get(client.target.https(path))
            durations.append(time.perf_counter() - started)
        value = p95(durations)
        worst = max(worst, value)
        parts.append(f"{path} p95 {value * 1000:.0f} ms")
    fix = "look at the slowest dependency (database, proxy) of these routes"
    return Row("latency", title, verdict(worst), ", ".join(parts), fix)
