"""Adding the pages to the app: their routes (before the start-up policy check) and the
form CSRF middleware (innermost, so the Origin check runs before it)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.core.settings import Settings
from app.pages import admin, billing, member, public, settings_page, static_files
from app.pages.form_csrf import PageFormCsrfMiddleware


def install_pages(app: FastAPI, settings: Settings) -> None:
    app.include_router(static_files.router)
    app.include_router(member.router)
    app.include_router(billing.router)
    app.include_router(admin.router)
    app.include_router(settings_page.router)
    app.include_router(public.router)
    forms = [
        route.path_regex
        for router in (
            member.router,
            billing.router,
            admin.router,
            settings_page.router,
            public.router,
        )
        for route in router.routes
        if isinstance(route, APIRoute) and "POST" in (route.methods or ())
    ]
    app.add_middleware(PageFormCsrfMiddleware, settings=settings, form_paths=forms)
