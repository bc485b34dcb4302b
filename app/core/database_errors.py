"""Which failures mean "the database is unreachable or saturated" (503, not 500).

A request that meets one of these is answered 503 `service_unavailable` with
`Retry-After` by RequestContextMiddleware: the client may retry, nothing is broken in
the request itself. Everything else the database raises stays a 500 (a bug).
"""

from __future__ import annotations

import sqlalchemy.exc

RETRY_AFTER_SECONDS = 2

# SQLSTATE classes and codes of an unreachable, shutting-down or overloaded server:
# 08 connection exception, 53 insufficient resources (too many connections),
# 57 operator intervention (57014 statement timeout, 57P01 shutdown, 57P03 starting),
# 55P03 lock_not_available (lock_timeout).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")
_UNAVAILABLE_SQLSTATES = frozenset({"55P03", "40P01"})
_SQLITE_BUSY_MESSAGES = ("database is locked", "unable to open database file")
_MAX_CHAIN = 8


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < _MAX_CHAIN:
        seen.append(current)
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException) and orig not in seen:
            seen.append(orig)
        current = current.__cause__ or current.__context__
    return seen


def _sqlstate(exc: BaseException) -> str:
    for attribute in ("sqlstate", "pgcode"):
        value = getattr(exc, attribute, None)
        if isinstance(value, str):
            return value
    return ""


def is_database_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the database cannot serve right now."""
    for link in _chain(exc):
        if isinstance(link, sqlalchemy.exc.TimeoutError):  # pool exhausted
            return True
        if isinstance(link, sqlalchemy.exc.DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, (ConnectionError, TimeoutError)):
            return True
        if isinstance(link, OSError) and not isinstance(link, FileNotFoundError):
            return True
        state = _sqlstate(link)
        if state and (
            state[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or state in _UNAVAILABLE_SQLSTATES
        ):
            return True
        name = type(link).__name__
        if name in {
            "ConnectionDoesNotExistError",
            "InterfaceError",
            "InternalClientError",
            "CannotConnectNowError",
            "TooManyConnectionsError",
            "QueryCanceledError",
            "LockNotAvailableError",
        }:
            return True
        if isinstance(link, sqlalchemy.exc.OperationalError):
            message = str(link).lower()
            if any(text in message for text in _SQLITE_BUSY_MESSAGES):
                return True
    return False
