"""Who is calling: the session from the cookie, or nobody.

A stale or unknown cookie makes the request anonymous, never an error by itself.
A request that does authenticate by cookie and changes state must prove same origin
with the session's CSRF value in `X-CSRF-Token` (C08).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.accounts.sessions import AuthenticatedUser, resolve_session
from app.core.dependencies import DbSession, settings_of
from app.core.errors import Forbidden, NotAuthenticated
from app.core.security import csrf_token_for, same_secret
from app.core.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    message = "This request needs the X-CSRF-Token header of your session."


async def resolve_caller(request: Request, db: DbSession) -> AuthenticatedUser | None:
    settings = settings_of(request)
    token = session_token_of(request, settings)
    if token is None:
        return None
    caller = await resolve_session(db, settings, token)
    if caller is not None:
        check_csrf(request, token, settings)
    return caller


def session_token_of(request: Request, settings: Settings) -> str | None:
    """Only ever the cookie: a token in a query string would end up in logs."""
    return request.cookies.get(settings.session_cookie_name) or None


def check_csrf(request: Request, session_token: str, settings: Settings) -> None:
    """A state change authenticated by this session's cookie must carry its CSRF value."""
    if request.method not in SAFE_METHODS:
        expected = csrf_token_for(session_token, settings.signing_key())
        if not same_secret(request.headers.get(CSRF_HEADER), expected):
            raise CsrfFailed()


MaybeUser = Annotated[AuthenticatedUser | None, Depends(resolve_caller)]


def _signed_in(caller: AuthenticatedUser | None) -> AuthenticatedUser:
    if caller is None:
        raise NotAuthenticated()
    return caller


async def caller_id(caller: MaybeUser) -> str:
    """The rate-limit key of the logged-in caller (`app.core.limits.rate_limit(key=...)`);
    not a route policy, so a route keeps its own."""
    return str(_signed_in(caller).id)


async def caller_email(caller: MaybeUser) -> str:
    """The logged-in caller's address, as a rate-limit key."""
    return _signed_in(caller).email
