"""One Chromium and one real server process per session (tests/browser/live_server.py).

Skips when no Chromium is found, unless ROUNDTABLE_REQUIRE_BROWSER=1 (CI), where that fails.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from tests.browser.api import Members
from tests.browser.live_server import LiveServer

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM}: browser tests skipped (apt-get install chromium)"
        if os.environ.get("ROUNDTABLE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ROUNDTABLE_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium_path: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium_path))
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("browser-server"))
    yield live
    live.stop()


async def _phone_page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    yield await context.new_page()
    await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    async for opened in _phone_page(browser):
        yield opened


@pytest_asyncio.fixture(loop_scope="session")
async def other_page(browser: Browser) -> AsyncIterator[Page]:
    """A second person's browser: its own context, so its own cookies."""
    async for opened in _phone_page(browser):
        yield opened


@pytest_asyncio.fixture(loop_scope="session")
async def members(server: LiveServer) -> AsyncIterator[Members]:
    made = Members(server)
    yield made
    await made.close()
