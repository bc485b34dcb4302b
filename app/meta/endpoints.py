"""Liveness and readiness, for load balancers and orchestrators; metrics, for Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from app.authz.policies import PublicRoute
from app.core.dependencies import AppSettings
from app.meta.service import database_is_ready, may_read_metrics, metrics_text

router = APIRouter(tags=["meta"])


class Status(BaseModel):
    status: str


class NotReady(BaseModel):
    status: str = "not_ready"
    reason: str


@router.get("/healthz", summary="Liveness probe")
async def healthz(_: PublicRoute) -> Status:
    """200 `{"status": "ok"}` while the process is up. It touches no database, so a
    database outage does not make an orchestrator restart the service."""
    return Status(status="ok")


@router.get(
    "/readyz",
    response_model=Status,
    summary="Readiness probe",
    responses={503: {"model": NotReady, "description": "Not ready; `reason` says why."}},
)
async def readyz(request: Request, _: PublicRoute) -> JSONResponse:
    """200 `{"status": "ready"}` when the database answers and its schema is at the
    migrations' head; else 503 with the reason, so a load balancer sends no traffic
    here yet."""
    ready, reason = await database_is_ready(request.app.state.database.engine)
    if ready:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not_ready", "reason": reason}, status_code=503)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, _: PublicRoute, settings: AppSettings) -> Response:
    """Prometheus text. In production a caller without the token or an allowed address
    gets the same 404 as a path that does not exist."""
    client_ip = request.client.host if request.client else ""
    if not may_read_metrics(settings, request.headers.get("authorization"), client_ip):
        raise HTTPException(status_code=404)
    body = await metrics_text(request.app.state.metrics, request.app.state.database)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
