"""Load for benchmarks.suite: wrk in a closed loop, and an open-loop client at a fixed rate.

A scenario is a list of requests sent in turn (each a member's own session cookie and
CSRF header, so the rotation spreads over members). wrk runs them from a generated Lua
script; the open-loop client here schedules request i at `start + i / rate` and counts
its latency from that scheduled moment (so a slow server cannot slow the arrivals, and
queueing shows in the figures).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None

    def wire(self) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        payload = (self.body or "").encode()
        if self.body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class Outcome:
    """What one load run saw: throughput or latencies, and the status codes."""

    rps: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def percentile_ms(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def unexpected(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 300)


def _lua_string(value: str) -> str:
    return json.dumps(value)  # ASCII JSON strings are Lua strings too


def lua_script(requests: list[Request]) -> str:
    entries = []
    for request in requests:
        headers = dict(request.headers)
        if request.body is not None:
            headers["Content-Type"] = "application/json"
        table = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
        body = "nil" if request.body is None else _lua_string(request.body)
        entries.append(
            f"wrk.format({_lua_string(request.method)}, {_lua_string(request.path)}, "
            f"{{{table}}}, {body})"
        )
    return (
        "local requests = {}\n"
        "function init(args)\n"
        + "".join(f"  requests[{i + 1}] = {entry}\n" for i, entry in enumerate(entries))
        + "end\nlocal i = 0\n"
        "function request()\n  i = i + 1\n  return requests[(i % #requests) + 1]\nend\n"
    )


def wrk(port: int, requests: list[Request], seconds: float, connections: int = 32) -> Outcome:
    """Closed loop: `connections` clients each sending the next request once answered."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(requests))
    try:
        command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s",
                   "-s", script.name, f"http://127.0.0.1:{port}/"]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        Path(script.name).unlink()
    return _wrk_outcome(output)


def _wrk_outcome(output: str) -> Outcome:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if rate is None or total is None:
        raise SystemExit(f"wrk gave no figures:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    failed = int(bad.group(1)) if bad else 0
    statuses: Counter[int] = Counter({200: int(total.group(1)) - failed})
    if failed:
        statuses[599] = failed  # wrk does not say which; counted as errors
    return Outcome(rps=float(rate.group(1)), statuses=statuses)


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _exchange(wire: bytes, connection: Connection) -> int:
    reader, writer = connection
    writer.write(wire)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = re.search(rb"(?i)\r\ncontent-length: (\d+)", head)
    if length is not None:
        await reader.readexactly(int(length.group(1)))
    return status


async def open_loop(
    port: int, requests: list[Request], rate: float, seconds: float, pool_size: int = 96
) -> Outcome:
    """Request i leaves at start + i / rate, on a free kept-alive connection."""
    wires = [request.wire() for request in requests]
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool_size):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    outcome = Outcome()
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.1

    async def one(index: int) -> None:
        scheduled = start + index / rate
        await asyncio.sleep(max(0.0, scheduled - loop.time()))
        connection = await pool.get()
        outcome.statuses[await _exchange(wires[index % len(wires)], connection)] += 1
        pool.put_nowait(connection)
        outcome.latencies.append(loop.time() - scheduled)

    await asyncio.gather(*(one(index) for index in range(int(rate * seconds))))
    outcome.rps = len(outcome.latencies) / (loop.time() - start)
    while not pool.empty():
        pool.get_nowait()[1].close()
    return outcome


async def closed_loop(
    port: int, requests: list[Request], seconds: float, connections: int = 32
) -> Outcome:
    """wrk's loop in Python (for the smoke run, where wrk may be missing)."""
    wires = [request.wire() for request in requests]
    outcome = Outcome()
    loop = asyncio.get_running_loop()
    started = loop.time()
    counter = iter(range(10**12))

    async def client() -> None:
        connection = await asyncio.open_connection("127.0.0.1", port)
        while loop.time() < started + seconds:
            outcome.statuses[await _exchange(wires[next(counter) % len(wires)], connection)] += 1
        connection[1].close()

    await asyncio.gather(*(client() for _ in range(connections)))
    outcome.rps = sum(outcome.statuses.values()) / (loop.time() - started)
    return outcome
