"""Route matching that grows with the routers, not the routes.

FastAPI (0.165) matches a request by asking each included router in turn, and each
router tries its routes one by one: a page request paid for a regex and some scope
bookkeeping on every API route before it (about 160 us, `benchmarks/edge_middleware.py`).
`index_included_routers` gives each included router one compiled pattern, the union of
its routes' own path patterns, so a router none of whose routes has the request's path
is passed over with a single regex call. A router whose routes all miss the path could
only answer "no match", so the answer does not change; a path one of them matches goes
through FastAPI's own matching as before.

This reads FastAPI's internals (the lock file pins the version); the whole suite,
which requests every route, is the proof that nothing is hidden, and
tests/core/test_route_index.py pins the passing-over itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")
Matcher = Callable[[Scope], tuple[Match, Scope]]


def _patterns(router: _IncludedRouter) -> Iterator[str | None]:
    """Each route's path pattern (None for a route without one), nested routers included."""
    for candidate in router.effective_candidates():
        if isinstance(candidate, _IncludedRouter):
            yield from _patterns(candidate)
            continue
        regex = getattr(candidate, "path_regex", None)
        if regex is None and candidate.starlette_route is not None:
            regex = getattr(candidate.starlette_route, "path_regex", None)
        yield None if regex is None else regex.pattern


def routes_pattern(router: _IncludedRouter) -> re.Pattern[str] | None:
    """One pattern matching every path one of the router's routes matches; None when a
    route has no pattern to join (that router is then matched as FastAPI does)."""
    patterns = list(_patterns(router))
    if not patterns or None in patterns:
        return None
    # the same parameter names recur across routes: an alternation needs them unnamed
    branches = (_NAMED_GROUP.sub("(?:", pattern) for pattern in patterns if pattern)
    return re.compile("|".join(f"(?:{branch})" for branch in branches))


def _passing_over(router: _IncludedRouter, pattern: re.Pattern[str]) -> Matcher:
    matches: Matcher = router.matches
    routes_then = router.effective_candidates()

    def indexed_matches(scope: Scope) -> tuple[Match, Scope]:
        if router.effective_candidates() is not routes_then:  # routes were added since
            return matches(scope)
        if scope["type"] != "http" or pattern.match(get_route_path(scope)):
            return matches(scope)
        return Match.NONE, {}

    return indexed_matches


def index_included_routers(app: FastAPI) -> int:
    """Give each router included in `app` its one-pattern pre-check; the number indexed."""
    indexed = 0
    for route in app.router.routes:
        if isinstance(route, _IncludedRouter) and (pattern := routes_pattern(route)):
            route.matches = _passing_over(route, pattern)  # type: ignore[method-assign, assignment]
            indexed += 1
    return indexed
