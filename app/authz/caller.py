"""Who is calling: the session from the cookie, or nobody.

A stale or unknown cookie makes the request anonymous, never an error by itself.
A request that does authenticate by cookie and changes state must prove same origin
with the session's CSRF value in `X-CSRF-Token` (C08).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.accounts.sessions import AuthenticatedUser, resolve_session
from app.core.dependencies import AppSettings, DbSession
from app.core.errors import Forbidden
from app.core.security import csrf_token_for, same_secret

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
# Only ever read from the cookie: a token in a query string would end up in logs.
SESSION_SOURCES = "cookie"


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    message = "This request needs the X-CSRF-Token header of your session."


async def resolve_caller(
    request: Request, db: DbSession, settings: AppSettings
) -> AuthenticatedUser | None:
    token = request.cookies.get(settings.session_cookie_name)
    if not token:
        return None
    caller = await resolve_session(db, settings, token)
    if caller is None:
        return None
    if request.method not in SAFE_METHODS:
        expected = csrf_token_for(token, settings.signing_key())
        if not same_secret(request.headers.get(CSRF_HEADER), expected):
            raise CsrfFailed()
    return caller


MaybeUser = Annotated[AuthenticatedUser | None, Depends(resolve_caller)]
