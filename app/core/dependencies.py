"""Per-request building blocks every domain's routes use: the database session and request meta.

Every dependency is `async def`: FastAPI runs a plain `def` dependency in the shared
threadpool, a thread hop per request for what is a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, TypeVar

import structlog
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.request_meta import RequestMeta
from app.core.settings import Settings

_logger = structlog.get_logger("app.database")


READ_METHODS = frozenset({"GET", "HEAD"})


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; closing it never raises into the ASGI app.

    A GET or HEAD changes nothing, so its session runs each statement on its own, with no
    BEGIN and ROLLBACK around them (`Database.read_sessionmaker`).

    With the database gone (or the request cancelled mid-query) the close's rollback
    can fail ("another operation is in progress"); the connection is then dropped
    from the pool instead, and the answer already decided stands.
    """
    database = request.app.state.database
    async with database.admitted():
        sessions = (
            database.read_sessionmaker if request.method in READ_METHODS else database.sessionmaker
        )
        session: AsyncSession = sessions()
        try:
            yield session
        finally:
            await close_quietly(session)


async def close_quietly(session: AsyncSession) -> None:
    try:
        await session.close()
    except Exception as exc:
        _logger.warning("database_session_close_failed", exc_type=type(exc).__name__)
        try:
            await session.invalidate()
        except Exception as invalidate_exc:
            _logger.warning(
                "database_session_invalidate_failed", exc_type=type(invalidate_exc).__name__
            )


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def request_meta_of(request: Request) -> RequestMeta:
    client = request.client
    return RequestMeta(
        ip=client.host if client else "",
        user_agent=request.headers.get("user-agent", "")[:255],
    )


# The hot dependencies (the org policy, the domain services) call the two functions above
# themselves rather than declaring these: each dependency FastAPI solves costs a request
# tens of microseconds, more than the lookup it stands for.
async def get_settings_of_app(request: Request) -> Settings:
    return settings_of(request)


async def get_request_meta(request: Request) -> RequestMeta:
    return request_meta_of(request)


DbSession = Annotated[AsyncSession, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_settings_of_app)]
Meta = Annotated[RequestMeta, Depends(get_request_meta)]


ServiceT = TypeVar("ServiceT")


def service_dependency(
    make: Callable[[AsyncSession, Settings, RequestMeta], ServiceT],
) -> Callable[[Request, AsyncSession], Awaitable[ServiceT]]:
    """The dependency that builds a domain service on the request's session, settings and
    meta: `Annotated[PostService, Depends(service_dependency(PostService))]`."""

    async def service(request: Request, db: DbSession) -> ServiceT:
        return make(db, settings_of(request), request_meta_of(request))

    return service
