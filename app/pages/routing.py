"""Page routes: declared like API routes (one policy each, checked at start-up), but
answered as pages. Not logged in: redirect to the login page with `next`. A foreign or
missing object: the 404 page. Every page is `Cache-Control: no-store`.

A form route declares `form_page(template, ...)` first among its dependencies. Then a
refusal, whether a rate limit declared after it or the handler raises it, draws that
form again, with the reason in words, the refusal's headers (`Retry-After`) and the
member's input kept (never a password); any other route answers the error page. Either
way the refusal is noted for the wrong-password throttle (app.core.limits). A 404 is the
404 page even on a form route, unless the handler raised it as a `FormRefusal` (what the
form names is missing, not the page). The page's own context function usually serves
both the GET and the redraw: `form_page(template, redrawn(page_context))`.
"""

# No `from __future__ import annotations`: FastAPI reads `page_form`'s annotations, which
# name a local value (`Depends(context)`), at run time.
import inspect
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from app.core.errors import AppError, NotAuthenticated
from app.core.limits import note_refusal
from app.pages.forms import FormFields
from app.pages.rendering import render
from app.pages.words import words_for

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
Redraw = Callable[[], Awaitable[dict[str, Any]]]
"""What a form page needs besides the form to be drawn again (looked up only then)."""
RedrawDependency = Callable[..., Awaitable[Redraw]]
"""A `form_page` context: an async dependency answering the page's `Redraw`."""


def see_other(path: str) -> RedirectResponse:
    """After a form is done: the browser GETs `path`."""
    return RedirectResponse(path, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return see_other(f"/login?next={quote(here, safe='/')}")


def error_page(request: Request, error: AppError) -> Response:
    title, text = words_for(error)
    response = render(request, "error.html", error.status_code, title=title, text=text)
    return with_headers(response, error)


def with_headers(response: Response, error: AppError) -> Response:
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


@dataclass(frozen=True)
class FormPage:
    """The form a route draws again when it refuses what was posted."""

    template: str
    fields: dict[str, str]
    redraw: Redraw

    def kept(self) -> dict[str, str]:
        return {name: value for name, value in self.fields.items() if "password" not in name}

    async def again(self, request: Request, error: AppError) -> Response:
        title, text = _form_words(error)
        context = {"values": self.kept(), **await self.redraw()}  # a redraw may name its own
        response = render(
            request, self.template, error.status_code, error=text, error_title=title, **context
        )
        return with_headers(response, error)


class FormRefusal(AppError):
    """A refusal of what the form names rather than of the page, in the form's own words:
    drawn with the form whatever its status, a 404 too."""

    def __init__(self, refused: AppError, title: str, text: str) -> None:
        super().__init__(text, code=refused.code, headers=refused.headers)
        self.status_code = refused.status_code
        self.title = title


def _form_words(error: AppError) -> tuple[str, str]:
    if isinstance(error, FormRefusal):
        return error.title, error.message
    return words_for(error)


_FORM_PAGE = "form_page"  # the request.state attribute `form_page` sets


def drawn_with(**context: Any) -> Redraw:
    """A `Redraw` of fixed values."""

    async def redraw() -> dict[str, Any]:
        return context

    return redraw


def redrawn(context: Callable[..., Awaitable[dict[str, Any]]], **fixed: Any) -> RedrawDependency:
    """A `form_page` context from a page's own `context` function: the dependency takes
    the parameters `context` takes (less the `fixed` ones), and calls it only to redraw."""
    signature = inspect.signature(context, eval_str=True)
    asked = [p for name, p in signature.parameters.items() if name not in fixed]

    async def again(**given: Any) -> Redraw:
        async def redraw() -> dict[str, Any]:
            return await context(**given, **fixed)

        return redraw

    again.__signature__ = signature.replace(parameters=asked, return_annotation=Redraw)  # type: ignore[attr-defined]
    return again


async def _nothing_more() -> Redraw:
    return drawn_with()


def form_page(template: str, context: RedrawDependency = _nothing_more, **fixed: Any) -> Any:
    """The route dependency naming the form to draw again on a refusal: `template`, with
    `fixed` values, and what the `context` dependency answers to look up the rest."""

    async def page_form(
        request: Request, fields: FormFields, redraw: Annotated[Redraw, Depends(context)]
    ) -> None:
        async def both() -> dict[str, Any]:
            return {**fixed, **await redraw()}

        setattr(request.state, _FORM_PAGE, FormPage(template, fields, both))

    return Depends(page_form)


async def refusal_page(request: Request, error: AppError) -> Response:
    note_refusal(request, error)
    form: FormPage | None = getattr(request.state, _FORM_PAGE, None)
    if form is None or (error.status_code == 404 and not isinstance(error, FormRefusal)):
        return error_page(request, error)
    try:
        return await form.again(request, error)
    except AppError as missing:  # e.g. what the form belongs to is gone
        return error_page(request, missing)


class PageRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except NotAuthenticated:
                response = login_redirect(request)
            except AppError as error:
                response = await refusal_page(request, error)
            except RequestValidationError:  # a malformed ID in the path names nothing
                response = render(request, "error.html", 404, **_not_found())
            response.headers["cache-control"] = "no-store"
            return response

        return page_handler


def _not_found() -> dict[str, str]:
    return {"title": "Page not found", "text": "There is nothing here, or it is not yours to see."}


def page_router() -> APIRouter:
    return APIRouter(route_class=PageRoute, include_in_schema=False)
