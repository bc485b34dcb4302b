"""C09, C10, C12: every route declares who may call it, and every caller gets what the matrix says.

The matrix (`matrix.toml`) lists, per route, the status for each kind of caller; each
cell runs through HTTP against a seeded world, inside a transaction rolled back after
it. A route missing from the file fails `test_every_route_is_in_the_matrix`, including
routes added later.
"""

from __future__ import annotations

import json
import tomllib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.authz.policies import (
    CurrentUser,
    MissingRoutePolicy,
    api_routes,
    assert_every_route_declares_a_policy,
)
from app.core.dependencies import get_db
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import empty_tables
from tests.support import world_content  # noqa: F401  (seeds spaces, posts, messages)
from tests.support.world import CALLERS, World, seed_world

MATRIX_FILE = Path(__file__).with_name("matrix.toml")
MATRIX: list[dict[str, Any]] = tomllib.loads(MATRIX_FILE.read_text())["route"]


def cells() -> list[Any]:
    found = []
    for route in MATRIX:
        assert len(route["expect"]) == len(CALLERS), f"{route['path']}: one status per caller"
        for caller, status in zip(CALLERS, route["expect"], strict=True):
            name = f"{route['method']} {route['path']} as {caller}"
            found.append(pytest.param(route, caller, status, id=name))
    return found


@pytest.fixture(scope="module")
async def matrix_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with rate limits off (the matrix measures authorization, not abuse controls)
    and mail only queued (each cell's writes are rolled back, mail included)."""
    changed = {"rate_limits_enabled": False, "email_delivery": "worker"}
    application = create_app(settings.model_copy(update=changed))
    _let_sqlite_nest_transactions(application.state.database.engine)
    async with application.router.lifespan_context(application):
        yield application


def _let_sqlite_nest_transactions(engine: AsyncEngine) -> None:
    """pysqlite begins transactions lazily and breaks SAVEPOINTs; SQLAlchemy's documented
    remedy is to let it autocommit and emit BEGIN ourselves.

    The BEGIN is IMMEDIATE: a cell's transaction reads (the session) before it writes,
    and in WAL mode a read transaction that then wants to write while another
    connection writes (the mail delivery loop of the suite's shared app polls the
    outbox) fails at once with "database is locked", without waiting on busy_timeout.
    Taking the write lock at BEGIN (only for the cell's outer transaction: the readiness
    probe opens a connection of its own inside the cell) makes the cell wait its turn."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine.sync_engine, "connect")
    def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _explicit_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


@pytest.fixture(scope="module")
async def world(matrix_app: FastAPI, settings: Settings) -> AsyncIterator[World]:
    """Seeded once; every cell runs inside a transaction that is rolled back after it."""
    async with matrix_app.state.database.sessionmaker() as db:
        seeded = await seed_world(db, settings)
    yield seeded
    await empty_tables(matrix_app.state.database.engine)


@pytest.fixture
async def rolled_back(matrix_app: FastAPI) -> AsyncIterator[None]:
    """The request's sessions commit to savepoints of one outer transaction, undone after."""
    async with matrix_app.state.database.engine.connect() as connection:
        await connection.execution_options(sqlite_begin="IMMEDIATE")
        outer = await connection.begin()
        sessions = async_sessionmaker(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )

        async def session_in_outer_transaction() -> AsyncIterator[AsyncSession]:
            async with sessions() as session:
                yield session

        matrix_app.dependency_overrides[get_db] = session_in_outer_transaction
        try:
            yield
        finally:
            matrix_app.dependency_overrides.pop(get_db, None)
            await outer.rollback()


@pytest.mark.manages_database
@pytest.mark.checklist("C09", "C10", "C12")
@pytest.mark.parametrize(("route", "caller", "expected"), cells())
async def test_the_caller_gets_the_status_the_matrix_states(
    matrix_app: FastAPI,
    world: World,
    rolled_back: None,
    route: dict[str, Any],
    caller: str,
    expected: int,
) -> None:
    body = route.get("body")
    content = world.fill(json.dumps(body)).encode() if body is not None else None
    async with world.client_for(matrix_app, caller) as client:
        if "form" in route:  # a page form: its CSRF value travels as a field, as a browser's
            response = await _post_form(client, world.fill(route["path"]), route["form"], world)
            assert response.status_code == expected, response.text
            return
        response = await client.request(
            route["method"],
            world.fill(route["path"]),
            content=content,
            headers={"content-type": "application/json"} if content else {},
        )
    assert response.status_code == expected, response.text


async def _post_form(
    client: AsyncClient, path: str, form: dict[str, str], world: World
) -> Response:
    fields = {name: world.fill(value) for name, value in form.items()}
    csrf = client.headers.pop("X-CSRF-Token", None)
    if csrf is not None:
        fields["csrf_token"] = csrf
    return await client.post(path, data=fields, headers={"Origin": str(client.base_url)})


@pytest.mark.checklist("C09")
def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    served = {(method, route.path) for route in api_routes(app) for method in route.methods}
    listed = {(route["method"], route["path"].split("?")[0]) for route in MATRIX}
    normalized = {(method, _generic(path)) for method, path in listed}
    missing = {entry for entry in served if (entry[0], _generic(entry[1])) not in normalized}
    assert not missing, f"routes missing from {MATRIX_FILE.name}: {sorted(missing)}"
    stale = {entry for entry in normalized if entry not in {(m, _generic(p)) for m, p in served}}
    assert not stale, f"matrix rows for routes that do not exist: {sorted(stale)}"


def _generic(path: str) -> str:
    """`/orgs/{org_id}/members/{target_user_id}` and `/orgs/{org_id}/members/{user_id}` match."""
    parts = ["{}" if part.startswith("{") else part for part in path.split("/")]
    return "/".join(parts)


@pytest.mark.checklist("C09")
def test_every_route_declares_exactly_one_policy(app: FastAPI) -> None:
    for route in api_routes(app):
        assert len(route.policies) == 1, f"{route.path} declares {route.policies}"


@pytest.mark.checklist("C09")
def test_an_app_with_an_undeclared_route_refuses_to_start(settings: Settings) -> None:
    from fastapi import APIRouter

    from app.authz.policies import MissingRoutePolicy, assert_every_route_declares_a_policy

    application = create_app(settings)
    stray = APIRouter()

    @stray.get("/stray")
    async def stray_route() -> dict[str, str]:
        return {}

    application.include_router(stray)
    with pytest.raises(MissingRoutePolicy, match="/stray"):
        assert_every_route_declares_a_policy(application)


@pytest.mark.checklist("C09")
def test_an_app_with_an_org_path_behind_a_non_org_policy_refuses_to_start(
    settings: Settings,
) -> None:
    from fastapi import APIRouter

    application = create_app(settings)
    stray = APIRouter()

    @stray.get("/api/v1/orgs/{org_id}/stray")
    async def stray_route(org_id: uuid.UUID, _: CurrentUser) -> dict[str, str]:
        return {}

    application.include_router(stray)
    with pytest.raises(MissingRoutePolicy, match=r"/orgs/\{org_id\}/stray.*org policy"):
        assert_every_route_declares_a_policy(application)
