"""The page templates (autoescaped Jinja2) and the CSRF value each form carries."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.authz.caller import session_token_of
from app.core.security import csrf_token_for
from app.core.settings import Settings

TEMPLATES = Path(__file__).with_name("templates")
FORM_CSRF_COOKIE = "form_csrf"
CSRF_FIELD = "csrf_token"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def session_csrf(request: Request) -> str | None:
    """The CSRF value of the session cookie the request carries, if it carries one."""
    settings = settings_of(request)
    token = session_token_of(request, settings)
    return csrf_token_for(token, settings.signing_key()) if token else None


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """One page; a visitor without a session gets a form cookie to prove same-site posts."""
    form_cookie = request.cookies.get(FORM_CSRF_COOKIE)
    new_form_cookie = None if form_cookie else secrets.token_urlsafe(24)
    csrf = session_csrf(request) or form_cookie or new_form_cookie
    html = environment.get_template(template).render(request=request, csrf=csrf, **context)
    response = HTMLResponse(html, status_code=status_code)
    if new_form_cookie:
        secure = settings_of(request).public_is_https
        response.set_cookie(
            FORM_CSRF_COOKIE, new_form_cookie, path="/", secure=secure, httponly=True,
            samesite="strict",
        )  # fmt: skip
    return response
