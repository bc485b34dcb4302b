"""Page speed in a real Chromium emulating a mid-range phone (issue 13, checklist C26).

    uv run python -m benchmarks.page_speed [--url http://127.0.0.1:8000] [--runs 3]

Viewport 390x844, 4x CPU slowdown, Slow 4G (150 ms latency, 1.6 Mbit/s down, 750 kbit/s
up), a fresh browser context (empty cache) per load. Printed per page: the largest
contentful paint (median of the runs), the bytes transferred and the request count.
Without --url it starts its own `python -m app serve` on a fresh SQLite database and
also measures /dashboard, signed in as a member whose org has 10 spaces and 50 posts
(issue 13's size, seeded through the API: tests/browser/api.py). With --url only the
public pages are measured. Chromium from CHROMIUM_PATH (default /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, StorageState, async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PHONE_VIEWPORT = {"width": 390, "height": 844}
CPU_SLOWDOWN = 4
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
PAGES = ("/", "/login")

# Resolves with the last LCP candidate once the page has settled; buffered, so entries
# recorded before the observer existed count too.
READ_LCP = """() => new Promise((resolve, reject) => {
  let last = null;
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    last = entries[entries.length - 1].startTime;
  }).observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => last === null ? reject(new Error('no LCP entry')) : resolve(last), 500);
})"""


@dataclass(frozen=True)
class PageFigures:
    url: str  # where the load ended, after any redirect
    lcp_ms: float
    total_bytes: int
    requests: int


async def measure_page(
    browser: Browser, url: str, storage_state: StorageState | None = None
) -> PageFigures:
    """One cold load of `url` on the emulated phone (signed in when given a storage state)."""
    context = await browser.new_context(
        viewport=PHONE_VIEWPORT,  # type: ignore[arg-type]
        storage_state=storage_state,
    )
    try:
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        sizes: dict[str, float] = {}

        def finished(event: dict[str, Any]) -> None:
            sizes[event["requestId"]] = event["encodedDataLength"]

        cdp.on("Network.loadingFinished", finished)
        await cdp.send("Network.enable")
        await cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        await page.goto(url, wait_until="load")
        lcp = float(await page.evaluate(READ_LCP))
        return PageFigures(page.url, lcp, int(sum(sizes.values())), len(sizes))
    finally:
        await context.close()


Load = tuple[str, StorageState | None]  # a path and, for a member page, who is signed in


async def _run(base_url: str, loads: list[Load], runs: int, chromium: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium)
        try:
            for path, signed_in in loads:
                figures = [
                    await measure_page(browser, base_url + path, signed_in) for _ in range(runs)
                ]
                print(_line(path, figures))
        finally:
            await browser.close()


def _line(path: str, loads: list[PageFigures]) -> str:
    lcp = statistics.median(f.lcp_ms for f in loads)
    low, high = min(f.lcp_ms for f in loads), max(f.lcp_ms for f in loads)
    bytes_median = int(statistics.median(f.total_bytes for f in loads))
    requests = statistics.median(f.requests for f in loads)
    return (
        f"{path:<11} LCP {lcp:6.0f} ms (median of {len(loads)}, {low:.0f}-{high:.0f})  "
        f"{bytes_median:7d} bytes  {requests:g} requests  (ended at {loads[-1].url})"
    )


async def _own_server_loads(server: Any) -> list[Load]:
    from tests.browser.api import seed_dashboard_member, storage_state_of

    member = await seed_dashboard_member(server)
    try:
        return [*((path, None) for path in PAGES), ("/dashboard", storage_state_of(member))]
    finally:
        await member.client.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a running server (default: start one)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(chromium).exists():
        print(f"no Chromium at {chromium}: apt-get install chromium, or set CHROMIUM_PATH")
        return 2
    if args.url:
        public: list[Load] = [(path, None) for path in PAGES]
        asyncio.run(_run(args.url.rstrip("/"), public, args.runs, chromium))
        return 0
    from tests.browser.live_server import LiveServer

    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder))
        try:
            loads = asyncio.run(_own_server_loads(server))
            asyncio.run(_run(server.url, loads, args.runs, chromium))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
