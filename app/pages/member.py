"""Member pages: the dashboard, an org's spaces, feeds, posts, comments."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app.authz.policies import CurrentUser
from app.orgs.endpoints import Orgs
from app.pages.rendering import render
from app.pages.routing import page_router

router = page_router()


@router.get("/dashboard")
async def dashboard(user: CurrentUser, request: Request, orgs: Orgs) -> Response:
    return render(request, "dashboard.html", user=user, orgs=await orgs.my_orgs(user))
