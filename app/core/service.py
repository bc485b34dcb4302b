"""The base of the domain services that act for one request."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageRequest, page_request
from app.core.request_meta import RequestMeta
from app.core.settings import Settings


class RequestService:
    """A service holds what one request gives it: the database session, the settings
    and the request's metadata (who asks, from where) for the audit log."""

    def __init__(self, db: AsyncSession, settings: Settings, meta: RequestMeta) -> None:
        self.db = db
        self.settings = settings
        self.meta = meta

    def _page(self, scope: str, limit: int, cursor: str | None) -> PageRequest:
        """The page asked of the list `scope`; its cursors are signed with the server's key."""
        return page_request(self.settings.signing_key(), scope, limit, cursor)
