"""Cursor pagination: a stable order, a capped limit, and cursors bound to their list.

Every list goes the same way: the route takes `page: Paging` (`?limit=&cursor=`), the
service makes a `page_request`, the repository takes `PageRequest.fetch` rows (`limit + 1`)
in (sort column, id) order past `PageRequest.after` with `oldest_first` (or
`newest_first`), the service cuts them with `cut_page`, and the route answers a
`Page[ItemOut]` subclass (a named class, so the OpenAPI schema keeps its name).

A cursor is the signed sort key of the last item served, together with the scope it
was made for (say, one space's post list). A cursor from another list or org, or one
that was tampered with, is refused with 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from fastapi import Depends, Query
from itsdangerous import BadSignature
from pydantic import BaseModel
from sqlalchemy import Select, tuple_

from app.core.errors import BadRequest
from app.core.schemas import DEFAULT_PAGE_SIZE, PageLimit
from app.core.signing import plain_serializer

CURSOR_PURPOSE = "cursor"
SortKey = tuple[datetime, uuid.UUID]

Cursor = Annotated[str | None, Query(max_length=512)]
Limit = Annotated[PageLimit, Query()]
ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")
SelectT = TypeVar("SelectT", bound=Select)  # type: ignore[type-arg]  # any row shape
KeyColumns = tuple[Any, Any]  # (sort column, id column)


@dataclass(frozen=True)
class PageQuery:
    """What a list route was asked for: `?limit=&cursor=`."""

    limit: int
    cursor: str | None


async def page_query(limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> PageQuery:
    return PageQuery(limit, cursor)


Paging = Annotated[PageQuery, Depends(page_query)]
"""A list route's `?limit=` (capped, with a default) and `?cursor=` (None: the first page)."""


class Page(BaseModel, Generic[ItemT]):
    """A page of a list: pass `next_cursor` back as `?cursor=` until it is null."""

    items: list[ItemT]
    next_cursor: str | None = None

    @classmethod
    def of(cls, found: tuple[Sequence[RowT], str | None], out: Callable[[RowT], ItemT]) -> Self:
        """The page of a service's (rows, next cursor), each row answered as `out(row)`."""
        rows, next_cursor = found
        return cls(items=[out(row) for row in rows], next_cursor=next_cursor)

    @classmethod
    def of_items(cls, found: tuple[Sequence[ItemT], str | None]) -> Self:
        """The page of a service's (items, next cursor), the items already its schema."""
        items, next_cursor = found
        return cls(items=list(items), next_cursor=next_cursor)


class InvalidCursor(BadRequest):
    """400, as any signed value that fails (a mailed token): the cursor is the server's own."""

    code = "invalid_cursor"
    message = "This cursor does not belong to this list."


def encode_cursor(secret_key: str, scope: str, created_at: datetime, item_id: uuid.UUID) -> str:
    payload = [scope, created_at.isoformat(), str(item_id)]
    return str(plain_serializer(secret_key, CURSOR_PURPOSE).dumps(payload))


def decode_cursor(secret_key: str, scope: str, cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        payload: Any = plain_serializer(secret_key, CURSOR_PURPOSE).loads(cursor)
        cursor_scope, created_at, item_id = payload
        if cursor_scope != scope:
            raise InvalidCursor()
        return datetime.fromisoformat(created_at), uuid.UUID(item_id)
    except (BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor() from exc


T = TypeVar("T")
PageCut = tuple[list[T], str | None]  # the page's rows and the next cursor (None: the last)


def oldest_first(query: SelectT, key: KeyColumns, after: SortKey | None, limit: int) -> SelectT:
    """`limit` rows of `query` in ascending (sort column, id) order, past `after` (from the
    first when None)."""
    page = query.order_by(*key).limit(limit)
    return page if after is None else page.where(tuple_(*key) > tuple_(*after))


def newest_first(query: SelectT, key: KeyColumns, before: SortKey | None, limit: int) -> SelectT:
    """`limit` rows of `query` in descending (sort column, id) order, past `before` (from
    the newest when None)."""
    page = query.order_by(*(column.desc() for column in key)).limit(limit)
    return page if before is None else page.where(tuple_(*key) < tuple_(*before))


@dataclass(frozen=True)
class PageRequest:
    """A decoded `?limit=&cursor=` of one list (`scope`); `after` is the sort key to
    continue from. The repository fetches `fetch` rows; `cut` makes the page of them."""

    limit: int
    after: SortKey | None
    secret_key: str = ""
    scope: str = ""

    @property
    def fetch(self) -> int:
        """One row more than the page: it says whether a next page exists."""
        return self.limit + 1

    def cut(
        self, rows: Sequence[T], sort_key: Callable[[T], SortKey]
    ) -> tuple[list[T], str | None]:
        return cut_page(rows, self.limit, sort_key, self.secret_key, self.scope)


def page_request(secret_key: str, scope: str, limit: int, cursor: str | None) -> PageRequest:
    after = decode_cursor(secret_key, scope, cursor) if cursor else None
    return PageRequest(limit=limit, after=after, secret_key=secret_key, scope=scope)


def cut_page(
    rows: Sequence[T],
    limit: int,
    sort_key: Callable[[T], SortKey],
    secret_key: str,
    scope: str,
) -> tuple[list[T], str | None]:
    """`rows` were fetched with limit + 1: the extra one says whether a next page exists."""
    items = list(rows[:limit])
    if len(rows) <= limit or not items:
        return items, None
    created_at, item_id = sort_key(items[-1])
    return items, encode_cursor(secret_key, scope, created_at, item_id)
