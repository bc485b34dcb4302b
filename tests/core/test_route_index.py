"""Route matching with each included router's one-pattern pre-check (app.core.route_index):
the same route is chosen for every path, and routers without the path are not searched."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import _EffectiveRouteContext
from starlette.routing import Match

from app.authz.policies import api_routes
from app.core.route_index import index_included_routers
from app.core.settings import Settings
from app.main import create_app

PARAMETER = re.compile(r"\{[^}]+\}")


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def _chosen(app: FastAPI, scope: dict[str, Any]) -> tuple[int, Match] | None:
    """The index of the first top-level route that matches fully (else partly), as the
    app's router picks it."""
    partial = None
    for index, route in enumerate(app.router.routes):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return index, match
        if match == Match.PARTIAL and partial is None:
            partial = index, match
    return partial


def _unindexed(settings: Settings) -> FastAPI:
    app = create_app(settings)
    for route in app.router.routes:
        vars(route).pop("matches", None)  # back to the class's own matching
    return app


def _sample_paths(app: FastAPI) -> list[tuple[str, str]]:
    sample = str(uuid.uuid4())
    return [
        (method, PARAMETER.sub(sample, route.path))
        for route in api_routes(app)
        for method in sorted(route.methods)
    ]


def test_every_route_path_is_matched_by_the_router_it_was_before(settings: Settings) -> None:
    indexed, plain = create_app(settings), _unindexed(settings)
    paths = [*_sample_paths(plain), ("GET", "/login"), ("DELETE", "/login"), ("GET", "/nowhere")]
    assert len(paths) > 100
    chosen = {path: _chosen(indexed, _scope(*path)) for path in paths}
    assert chosen == {path: _chosen(plain, _scope(*path)) for path in paths}


def _contexts_tried(app: FastAPI, path: str, monkeypatch: pytest.MonkeyPatch) -> int:
    tried = 0
    matches = _EffectiveRouteContext.matches

    def counted(self: _EffectiveRouteContext, scope: Any) -> Any:
        nonlocal tried
        tried += 1
        return matches(self, scope)

    monkeypatch.setattr(_EffectiveRouteContext, "matches", counted)
    _chosen(app, _scope("GET", path))
    monkeypatch.setattr(_EffectiveRouteContext, "matches", matches)
    return tried


def test_a_page_request_does_not_try_the_api_routes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexed = _contexts_tried(create_app(settings), "/login", monkeypatch)
    everything = _contexts_tried(_unindexed(settings), "/login", monkeypatch)
    api = sum(1 for route in api_routes(create_app(settings)) if route.path.startswith("/api/"))
    assert indexed < everything - api


def test_a_route_added_to_a_router_after_indexing_is_matched() -> None:
    router = APIRouter()

    @router.get("/early")
    async def early() -> None:
        return None

    app = FastAPI()
    app.include_router(router)
    assert index_included_routers(app) == 1
    (included,) = app.router.routes[-1:]
    assert included.matches(_scope("GET", "/late"))[0] == Match.NONE

    @router.get("/late")
    async def late() -> None:
        return None

    assert included.matches(_scope("GET", "/late"))[0] == Match.FULL
