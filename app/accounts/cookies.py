"""The session and CSRF cookies, as API.md states them."""

from __future__ import annotations

from fastapi import Request, Response

from app.core.security import csrf_token_for
from app.core.settings import Settings

CSRF_COOKIE = "csrf_token"
# Marks the browser that signed up, so that a verification link opened anywhere else
# cannot confirm a password chosen there (a pre-hijacked account, issue 10).
SIGNUP_BROWSER_COOKIE = "signup_browser"
SIGNUP_BROWSER_DAYS = 30


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


def set_signup_browser_cookie(response: Response, settings: Settings, proof: str) -> None:
    response.set_cookie(
        signup_browser_cookie_name(settings),
        proof,
        max_age=SIGNUP_BROWSER_DAYS * 86400,
        path="/",
        secure=settings.public_is_https or settings.is_production,
        httponly=True,
        samesite="lax",
    )


def signup_browser_cookie_name(settings: Settings) -> str:
    return f"__Host-{SIGNUP_BROWSER_COOKIE}" if settings.is_production else SIGNUP_BROWSER_COOKIE


def signup_browser_proof(request: Request, settings: Settings) -> str | None:
    return request.cookies.get(signup_browser_cookie_name(settings))
