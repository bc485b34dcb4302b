"""Per-request building blocks every domain's routes use: the database session and request meta.

Every dependency is `async def`: FastAPI runs a plain `def` dependency in the shared
threadpool, a thread hop per request for what is a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import RequestMeta
from app.core.settings import Settings


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.database.sessionmaker() as session:
        yield session


async def get_settings_of_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_request_meta(request: Request) -> RequestMeta:
    client = request.client
    return RequestMeta(
        ip=client.host if client else "",
        user_agent=request.headers.get("user-agent", "")[:255],
    )


DbSession = Annotated[AsyncSession, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_settings_of_app)]
Meta = Annotated[RequestMeta, Depends(get_request_meta)]
