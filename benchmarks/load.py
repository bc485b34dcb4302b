"""Load for benchmarks.suite: wrk in a closed loop, and an open-loop client of our own.

A `Call` is one HTTP request (method, path, headers, JSON body); a load is a weighted
list of calls, so one scenario can be a single route or a mix. wrk (closed loop: each
connection sends its next request as soon as the last is answered) gets a Lua script
made from that list, which sets the session cookie and the CSRF header of each call,
picks calls by weight and counts non-2xx and 5xx answers. The open-loop client sends
requests at a fixed arrival rate whatever the answers take, and counts each latency
from the request's scheduled time, so a queue in the server shows as latency (as a
user would see it) instead of slowing the client down.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # JSON text

    def raw(self) -> bytes:
        headers = {"Host": "127.0.0.1", **self.headers}
        data = (self.body or "").encode()
        if self.body is not None:
            headers |= {"Content-Type": "application/json", "Content-Length": str(len(data))}
        lines = [f"{self.method} {self.path} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


Load = Sequence[tuple[float, Call]]  # (weight, call)


@dataclass
class Figures:
    """One measurement: throughput (closed loop) or latency at a rate (open loop)."""

    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx: int = 0
    errors_5xx: int = 0
    requests: int = 0


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def lua_script(load: Load) -> str:
    entries = []
    for weight, call in load:
        headers = {"Host": "127.0.0.1", **call.headers}
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        header_table = ", ".join(
            f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()
        )
        body = "nil" if call.body is None else _lua_string(call.body)
        entries.append(
            f"  {{{weight}, {_lua_string(call.method)}, {_lua_string(call.path)}, "
            f"{{{header_table}}}, {body}}},"
        )
    return LUA_TEMPLATE.replace("--CALLS--", "\n".join(entries))


LUA_TEMPLATE = """
local calls = {
--CALLS--
}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  requests, cumulative, total = {}, {}, 0
  for i, c in ipairs(calls) do
    requests[i] = wrk.format(c[2], c[3], c[4], c[5])
    total = total + c[1]
    cumulative[i] = total
  end
  non2xx, fivexx = 0, 0
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  local x = math.random() * total
  for i = 1, #cumulative do
    if x <= cumulative[i] then return requests[i] end
  end
  return requests[#requests]
end
function response(status, headers, body)
  if status >= 300 then non2xx = non2xx + 1 end
  if status >= 500 then fivexx = fivexx + 1 end
end
function done(summary, latency, requests)
  local a, b = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("non2xx"); b = b + t:get("fivexx") end
  io.write(string.format("SUITE %d %f %f %f %f %d %d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, a, b))
end
"""

_SUITE_LINE = re.compile(r"^SUITE (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)$", re.M)


def wrk(port: int, load: Load, seconds: float, connections: int) -> Figures:
    """Closed loop: `connections` connections on one wrk thread for `seconds`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(load))
    try:
        command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
                   "-s", script.name, f"http://127.0.0.1:{port}/"]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        Path(script.name).unlink()
    match = _SUITE_LINE.search(output)
    if match is None:
        raise SystemExit(f"wrk printed no figures:\n{output}")
    count, duration, p50, p95, p99, non_2xx, fivexx = match.groups()
    return Figures(int(count) / float(duration), float(p50), float(p95), float(p99),
                   int(non_2xx), int(fivexx), int(count))  # fmt: skip


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
_LENGTH = re.compile(rb"(?i)\r\ncontent-length: *(\d+)")


async def exchange(request: bytes, connection: Connection) -> int:
    """Send one request on a kept-alive connection; its status code."""
    reader, writer = connection
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = _LENGTH.search(head)
    if length is not None:
        await reader.readexactly(int(length.group(1)))
    return int(head[9:12])


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _chooser(load: Load, seed: int) -> list[bytes]:
    """A fixed pseudo-random sequence of requests drawn by weight."""
    chance = random.Random(seed)  # noqa: S311 (a load pattern, not a secret)
    raws = [call.raw() for _, call in load]
    weights = [weight for weight, _ in load]
    return chance.choices(raws, weights=weights, k=4096)


async def closed_loop(port: int, load: Load, seconds: float, connections: int) -> Figures:
    """wrk's loop in Python (slower, takes CPU from the servers): for smoke runs only."""
    sequence = _chooser(load, 1)
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: list[int] = []

    async def client(deadline: float, offset: int) -> None:
        connection = await asyncio.open_connection("127.0.0.1", port)
        try:
            index = offset
            while loop.time() < deadline:
                started = loop.time()
                statuses.append(await exchange(sequence[index % len(sequence)], connection))
                latencies.append(loop.time() - started)
                index += 1
        finally:
            connection[1].close()

    started = loop.time()
    await asyncio.gather(*(client(started + seconds, n * 97) for n in range(connections)))
    return _figures(latencies, statuses, loop.time() - started)


async def open_loop(port: int, load: Load, rate: float, seconds: float) -> Figures:
    """`rate` requests per second for `seconds`, each timed from when it was due."""
    sequence = _chooser(load, 2)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: list[int] = []
    start = loop.time() + 0.1

    async def timed(index: int, scheduled: float) -> None:
        await asyncio.sleep(max(0.0, scheduled - loop.time()))
        connection = await pool.get()
        statuses.append(await exchange(sequence[index % len(sequence)], connection))
        pool.put_nowait(connection)
        latencies.append(loop.time() - scheduled)

    count = max(1, int(rate * seconds))
    await asyncio.gather(*(timed(i, start + i / rate) for i in range(count)))
    elapsed = loop.time() - start
    while not pool.empty():
        pool.get_nowait()[1].close()
    return _figures(latencies, statuses, elapsed)


def _figures(latencies: list[float], statuses: list[int], elapsed: float) -> Figures:
    return Figures(
        rps=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        non_2xx=sum(1 for status in statuses if status >= 300),
        errors_5xx=sum(1 for status in statuses if status >= 500),
        requests=len(statuses),
    )
