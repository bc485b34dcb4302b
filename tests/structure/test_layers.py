"""The package is layered: imports only go down, and no modules import each other in a circle;
a package reads another package's tables only through that package's service.

Layers, lowest first (docs/architecture.md draws them):
1 core  2 models  3 audit and the mail outbox  4 accounts  5 authz
6 domain services and repositories  7 endpoints, pages and commands  8 the app and `__main__`
A module may import its own layer or lower ones. Every new module must land in a layer.
"""

from __future__ import annotations

import ast

from tests.structure.imports import app_modules, cycles, import_graph

DOMAIN_PACKAGES = {
    "spaces",
    "posts",
    "messages",
    "orgs",
    "billing",
    "meta",
    "launch_audit",
    "idempotency",
}
FACE_MODULES = {"endpoints", "routes", "route_limits", "cli"}
ASSEMBLY = {"app.main", "app.__main__", "app.openapi"}


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if module in ASSEMBLY:
        return 8
    if len(parts) < 2:
        return None
    package, leaf = parts[1], parts[-1]
    if package == "core":
        return 1
    if module == "app.models" or leaf == "models":
        return 2
    if package == "pages" or (len(parts) > 2 and parts[2] in FACE_MODULES):
        return 7
    if package in {"audit", "mail"}:
        return 3
    return {"accounts": 4, "authz": 5}.get(package, 6 if package in DOMAIN_PACKAGES else None)


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert cycles(import_graph()) == []


def test_every_module_belongs_to_a_layer() -> None:
    packages = {name for name, path in app_modules().items() if path.name == "__init__.py"}
    unplaced = [m for m in app_modules() if m not in packages and layer_of(m) is None]
    assert unplaced == []


def test_imports_only_go_down_the_layers() -> None:
    upward = [
        f"{module} ({layer_of(module)}) imports {target} ({layer_of(target)})"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if (layer_of(target) or 0) > (layer_of(module) or 0)
    ]
    assert upward == []


def test_package_files_hold_no_code() -> None:
    # the import graph skips the packages an import passes through; that is sound only
    # while their __init__ files import nothing and run nothing
    busy = [
        name
        for name, path in app_modules().items()
        if path.name == "__init__.py"
        and any(not isinstance(node, ast.Expr) for node in ast.parse(path.read_text()).body)
    ]
    assert busy == []


# authz resolves a session and the caller's membership in one joined query, built on
# accounts' own session query: every org route pays for it, so it is not two calls.
SHARED_QUERIES = {("app.authz.org_context", "app.accounts.repository")}


def _package_of(module: str) -> str:
    return module.split(".")[1]


def test_no_package_reads_another_packages_repository() -> None:
    # another package's data comes through its service, which owns its rules
    foreign = [
        f"{module} imports {target}"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if target.endswith(".repository")
        and _package_of(target) != _package_of(module)
        and (module, target) not in SHARED_QUERIES
    ]
    assert foreign == []
