"""Routes ask for rate limits one way: declared with app.core.limits (C14). Only that
module, and the counting module app.core.ratelimit itself, reach the low-level counters;
an API route or a page calling them by hand would be a limit no declaration shows."""

from __future__ import annotations

import ast

from tests.structure.imports import app_modules

COUNTERS = {"limit_by_ip", "enforce_limit", "rate_limiter_of", "login_failures"}
COUNTING = "app.core.ratelimit"
ALLOWED = {"app.core.limits", COUNTING}


def counters_reached(source: str) -> set[str]:
    """The counters a module imports from app.core.ratelimit, or reaches through that
    module (`ratelimit.enforce_limit`, `app.core.ratelimit.limit_by_ip`)."""
    tree = ast.parse(source)
    names_of_module = {COUNTING, *_module_aliases(tree)}
    reached: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == COUNTING:
            reached.update(alias.name for alias in node.names if alias.name in COUNTERS)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in COUNTERS
            and ast.unparse(node.value) in names_of_module
        ):
            reached.add(node.attr)
    return reached


def _module_aliases(tree: ast.Module) -> set[str]:
    """The names a module binds to app.core.ratelimit itself."""
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "app.core":
            aliases.update(a.asname or a.name for a in node.names if a.name == "ratelimit")
        elif isinstance(node, ast.Import):
            aliases.update(a.asname for a in node.names if a.name == COUNTING and a.asname)
    return aliases


def test_only_the_limits_module_reaches_the_rate_limit_counters() -> None:
    offenders = {
        module: sorted(reached)
        for module, path in app_modules().items()
        if module not in ALLOWED and (reached := counters_reached(path.read_text()))
    }
    assert offenders == {}


def test_the_check_sees_each_way_of_reaching_a_counter() -> None:
    source = (
        "from app.core.ratelimit import enforce_limit\n"
        "from app.core import ratelimit as counting\n"
        "counting.limit_by_ip('x')\n"
        "app.core.ratelimit.login_failures\n"
        "metrics.login_failures.inc()\n"  # another object's attribute of that name
    )
    assert counters_reached(source) == {"enforce_limit", "limit_by_ip", "login_failures"}
