"""No request waits for a thread: FastAPI runs a plain `def` endpoint or dependency in its
threadpool, a thread hop (and its CPU) per request for what is usually a lookup. Every
route's endpoint and every dependency it solves is `async def` (or an async generator)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from app.authz.policies import api_routes
from app.core.settings import Settings
from app.main import create_app


def _calls(dependant: Dependant) -> Iterator[Any]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _runs_on_the_event_loop(call: Any) -> bool:
    # an object is called through its type's __call__; a class itself is run in a thread
    target = call if inspect.isroutine(call) else type(call).__call__
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def _threaded(application: FastAPI) -> set[str]:
    return {
        f"{route.path}: {getattr(call, '__qualname__', repr(call))}"
        for route in api_routes(application)
        for call in _calls(route.dependant)
        if not _runs_on_the_event_loop(call)
    }


def test_every_endpoint_and_dependency_runs_on_the_event_loop(settings: Settings) -> None:
    assert _threaded(create_app(settings)) == set()


def test_the_check_sees_a_plain_def_dependency(settings: Settings) -> None:
    from fastapi import Depends

    application = create_app(settings)

    def plain_lookup() -> int:
        return 1

    @application.get("/threaded")
    async def threaded(value: int = Depends(plain_lookup)) -> int:
        return value

    assert _threaded(application) == {
        "/threaded: test_the_check_sees_a_plain_def_dependency.<locals>.plain_lookup"
    }
