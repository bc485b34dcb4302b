"""Test-only routes the edge tests mount on apps of their own (never on the real app)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from app.authz.policies import PublicRoute
from app.core.errors import NotAuthenticated
from app.core.ratelimit import enforce_limit, limit_by_ip, login_failures

RIGHT_PASSWORD = "the right passphrase"


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


class Account(BaseModel):
    email: str


class Attempt(BaseModel):
    email: str
    password: str


def edge_test_router() -> APIRouter:
    router = APIRouter()

    @router.get("/api/v1/edge-test/whoami")
    async def whoami(request: Request, _: PublicRoute) -> dict[str, str]:
        client = request.client
        return {"client": client.host if client else "", "scheme": request.url.scheme}

    @router.api_route("/edge-test/page", methods=["GET", "HEAD", "POST"])
    async def page(_: PublicRoute) -> dict[str, bool]:
        return {"ok": True}

    @router.get("/api/v1/edge-test/cacheable")
    async def cacheable(_: PublicRoute) -> JSONResponse:
        return JSONResponse({"ok": True}, headers={"Cache-Control": "public, max-age=600"})

    @router.post("/api/v1/edge-test/body-size")
    async def body_size(request: Request, _: PublicRoute) -> dict[str, int]:
        return {"size": len(await request.body())}

    @router.post("/api/v1/edge-test/note")
    async def note(body: Note, _: PublicRoute) -> dict[str, int]:
        return {"length": len(body.text)}

    @router.post("/api/v1/edge-test/limited", dependencies=[Depends(limit_by_ip("login_ip"))])
    async def limited(_: PublicRoute) -> dict[str, bool]:
        return {"ok": True}

    @router.post("/api/v1/edge-test/per-account")
    async def per_account(request: Request, body: Account, _: PublicRoute) -> dict[str, bool]:
        await enforce_limit(request, "magic_link_account", body.email)
        return {"ok": True}

    @router.post("/api/v1/edge-test/login")
    async def login(request: Request, body: Attempt, _: PublicRoute) -> dict[str, bool]:
        await login_failures.check(request, body.email)
        if body.password != RIGHT_PASSWORD:
            await login_failures.record(request, body.email)
            raise NotAuthenticated(code="invalid_credentials")
        await login_failures.forget(request, body.email)
        return {"ok": True}

    return router
