"""A pytest plugin recording, for `python -m app checklist`, what each test claims and how
it reached the app.

Each test's JUnit entry gets a `checklist` property per item it is tagged with, and one
`reached` property: `http` when the test body sent an HTTP request (httpx, to the ASGI
app or to a running server; or a real browser's Page.goto to a running server), `cli`
when it ran `python -m app` (in a subprocess or by calling `app.__main__.main`), `unit`
otherwise. Only the test body counts: a fixture that signs a member up does not make a
unit test a black-box one.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from itertools import pairwise
from typing import Any

import httpx
import pytest
from playwright.async_api import Page

import app.__main__ as app_main

_reached: set[str] = set()
_recording = False


def _noting(kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def noted(*args: Any, **kwargs: Any) -> Any:
        if _recording:
            _reached.add(kind)
        return original(*args, **kwargs)

    return noted


def _noting_async(kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
    async def noted(*args: Any, **kwargs: Any) -> Any:
        if _recording:
            _reached.add(kind)
        return await original(*args, **kwargs)

    return noted


def _runs_the_app_command(args: Any) -> bool:
    argv = [str(arg) for arg in args] if isinstance(args, list | tuple) else [str(args)]
    return any(a == "-m" and b == "app" for a, b in pairwise(argv))


class _NotingPopen(subprocess.Popen):  # type: ignore[type-arg]
    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        if _recording and _runs_the_app_command(args):
            _reached.add("cli")
        super().__init__(args, *rest, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    httpx.AsyncClient.send = _noting_async("http", httpx.AsyncClient.send)  # type: ignore[method-assign]
    httpx.Client.send = _noting("http", httpx.Client.send)  # type: ignore[method-assign]
    Page.goto = _noting_async("http", Page.goto)  # type: ignore[method-assign]
    app_main.main = _noting("cli", app_main.main)
    subprocess.Popen = _NotingPopen  # type: ignore[misc]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    global _recording
    _reached.clear()
    _recording = True
    try:
        yield
    finally:
        _recording = False
        for mark in item.iter_markers("checklist"):
            for item_id in mark.args:
                item.user_properties.append(("checklist", str(item_id)))
        item.user_properties.append(("reached", ",".join(sorted(_reached)) or "unit"))
        item.user_properties.append(("nodeid", item.nodeid))
