"""The session and CSRF cookies, as API.md states them."""

from __future__ import annotations

from fastapi import Response

from app.core.security import csrf_token_for
from app.core.settings import Settings

CSRF_COOKIE = "csrf_token"


def set_session_cookies(response: Response, settings: Settings, session_token: str) -> str:
    """Session cookie (HttpOnly) and the readable CSRF cookie; returns the CSRF value."""
    csrf = csrf_token_for(session_token, settings.signing_key())
    max_age = settings.session_absolute_hours * 3600
    secure = settings.public_is_https or settings.is_production
    response.set_cookie(
        settings.session_cookie_name,
        session_token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=max_age, path="/", secure=secure, httponly=False, samesite="lax"
    )
    return csrf


def clear_session_cookies(response: Response, settings: Settings) -> None:
    secure = settings.public_is_https or settings.is_production
    for name, httponly in ((settings.session_cookie_name, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", secure=secure, httponly=httponly, samesite="lax")
