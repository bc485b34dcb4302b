"""Cursor pagination: a stable order, a capped limit, and cursors bound to their list.

A cursor is the signed sort key of the last item served, together with the scope it
was made for (say, one space's post list). A cursor from another list or org, or one
that was tampered with, is refused with 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from itsdangerous import BadSignature

from app.core.errors import Invalid
from app.core.signing import plain_serializer

CURSOR_PURPOSE = "cursor"


class InvalidCursor(Invalid):
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


@dataclass(frozen=True)
class PageRequest:
    """A decoded `?limit=&cursor=`; `after` is the sort key to continue from."""

    limit: int
    after: tuple[datetime, uuid.UUID] | None


def page_request(secret_key: str, scope: str, limit: int, cursor: str | None) -> PageRequest:
    after = decode_cursor(secret_key, scope, cursor) if cursor else None
    return PageRequest(limit=limit, after=after)


def cut_page(
    rows: Sequence[T],
    limit: int,
    sort_key: Callable[[T], tuple[datetime, uuid.UUID]],
    secret_key: str,
    scope: str,
) -> tuple[list[T], str | None]:
    """`rows` were fetched with limit + 1: the extra one says whether a next page exists."""
    items = list(rows[:limit])
    if len(rows) <= limit or not items:
        return items, None
    created_at, item_id = sort_key(items[-1])
    return items, encode_cursor(secret_key, scope, created_at, item_id)
