"""C22: request IDs on every log line, in the response and in errors; secrets redacted."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
import structlog
from fastapi import APIRouter, Depends, FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, ConfigDict

from app.authz.policies import PublicRoute
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import PUBLIC_URL

pytestmark = pytest.mark.checklist("C22")

logger = structlog.get_logger("tests.routes")


async def logging_dependency() -> str:
    logger.info("inside_dependency")
    return "ok"


class Echo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def _test_router() -> APIRouter:
    router = APIRouter(prefix="/test")

    @router.get("/log")
    async def log_route(
        _: PublicRoute, dep: Annotated[str, Depends(logging_dependency)]
    ) -> dict[str, str]:
        logger.info("inside_route", password="hunter2-secret", api_token="tok_live_123")
        return {"dep": dep}

    @router.get("/boom")
    async def boom(_: PublicRoute) -> dict[str, str]:
        raise RuntimeError("database password is hunter2 and the SQL is SELECT secret")

    @router.post("/echo")
    async def echo(_: PublicRoute, body: Echo) -> Echo:
        return body

    return router


@pytest.fixture(scope="module")
async def logging_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    application.include_router(_test_router())
    yield application
    await application.state.database.dispose()


@pytest.fixture
async def http(logging_app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=logging_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client


def log_lines(output: str) -> list[dict[str, Any]]:
    lines = []
    for line in output.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


async def test_a_valid_incoming_request_id_is_kept(http: AsyncClient) -> None:
    response = await http.get("/healthz", headers={"X-Request-ID": "abc-123.DEF_456"})
    assert response.headers["X-Request-ID"] == "abc-123.DEF_456"


@pytest.mark.parametrize("bad", ["x" * 129, "has space", "new\\nline", "semi;colon", ""])
async def test_a_malformed_incoming_request_id_is_replaced(http: AsyncClient, bad: str) -> None:
    response = await http.get("/healthz", headers={"X-Request-ID": bad})
    assert response.headers["X-Request-ID"] not in (bad, "")
    assert len(response.headers["X-Request-ID"]) == 32


async def test_every_line_of_a_request_carries_its_id(
    http: AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await http.get("/test/log", headers={"X-Request-ID": "trace-me-1"})
    assert response.status_code == 200
    lines = log_lines(capsys.readouterr().out)
    events = {line["event"]: line for line in lines if line.get("request_id") == "trace-me-1"}
    assert {"inside_dependency", "inside_route", "request"} <= set(events)


async def test_the_access_line_has_method_path_status_and_duration(
    http: AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await http.get("/test/log?token=should-not-be-logged", headers={"X-Request-ID": "access-1"})
    output = capsys.readouterr().out
    access = [line for line in log_lines(output) if line["event"] == "request"]
    assert len(access) == 1
    line = access[0]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/test/log", 200)
    assert line["request_id"] == "access-1"
    assert isinstance(line["duration_ms"], float)
    assert "should-not-be-logged" not in output


@pytest.mark.checklist("C17")
async def test_secrets_in_log_events_are_redacted(
    http: AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await http.get("/test/log")
    output = capsys.readouterr().out
    route_line = next(line for line in log_lines(output) if line["event"] == "inside_route")
    assert route_line["password"] == "[REDACTED]"
    assert route_line["api_token"] == "[REDACTED]"
    assert "hunter2" not in output


async def test_context_is_cleared_between_requests(
    http: AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await http.get("/test/log", headers={"X-Request-ID": "first-request"})
    capsys.readouterr()
    await http.get("/test/log", headers={"X-Request-ID": "second-request"})
    output = capsys.readouterr().out
    assert "first-request" not in output


async def test_an_unhandled_error_is_a_bare_500_with_the_request_id(
    http: AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await http.get("/test/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on our side.",
            "request_id": "boom-1",
        }
    }
    assert response.headers["X-Request-ID"] == "boom-1"
    logged = [
        line
        for line in log_lines(capsys.readouterr().out)
        if line["event"] == "unhandled_exception"
    ]
    assert logged and logged[0]["request_id"] == "boom-1"


async def test_not_found_has_the_error_shape(http: AsyncClient) -> None:
    response = await http.get("/no/such/route", headers={"X-Request-ID": "nf-1"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["request_id"] == "nf-1"


async def test_wrong_method_has_the_error_shape(http: AsyncClient) -> None:
    response = await http.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.json()["error"]["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.checklist("C15")
async def test_validation_errors_name_the_field_and_refuse_unknown_fields(
    http: AsyncClient,
) -> None:
    response = await http.post("/test/echo", json={"name": "a", "role": "owner"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert [detail["field"] for detail in error["details"]] == ["role"]


async def test_validation_errors_do_not_echo_the_input(http: AsyncClient) -> None:
    response = await http.post("/test/echo", json={"name": 5, "password": "hunter2-pass"})
    assert "hunter2-pass" not in response.text
