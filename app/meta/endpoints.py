"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.authz.policies import PublicRoute
from app.meta.service import database_is_ready

router = APIRouter(tags=["meta"])


class Status(BaseModel):
    status: str


@router.get("/healthz")
async def healthz(_: PublicRoute) -> Status:
    """The process is up; touches no database."""
    return Status(status="ok")


@router.get("/readyz", response_model=Status)
async def readyz(request: Request, _: PublicRoute) -> JSONResponse:
    """The database answers and its schema is at the migrations' head."""
    ready, reason = await database_is_ready(request.app.state.database.engine)
    if ready:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not_ready", "reason": reason}, status_code=503)
