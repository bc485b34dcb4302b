"""Page routes: declared like API routes (one policy each, checked at start-up), but
answered as pages. Not logged in: redirect to the login page with `next`. A foreign or
missing object: the 404 page. Every page is `Cache-Control: no-store`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from app.core.errors import AppError, NotAuthenticated
from app.pages.rendering import render
from app.pages.words import words_for

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def login_redirect(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='/')}", status_code=303)


def error_page(request: Request, error: AppError) -> Response:
    title, text = words_for(error)
    response = render(request, "error.html", error.status_code, title=title, text=text)
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


class PageRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except NotAuthenticated:
                response = login_redirect(request)
            except AppError as error:
                response = error_page(request, error)
            except RequestValidationError:  # a malformed ID in the path names nothing
                response = render(request, "error.html", 404, **_not_found())
            response.headers["cache-control"] = "no-store"
            return response

        return page_handler


def _not_found() -> dict[str, str]:
    return {"title": "Page not found", "text": "There is nothing here, or it is not yours to see."}


def page_router() -> APIRouter:
    return APIRouter(route_class=PageRoute, include_in_schema=False)
