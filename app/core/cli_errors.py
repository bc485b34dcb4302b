"""One line for an operator's mistake: what is wrong and what to do, never a traceback.

`python -m app` hands every exception a command raises to `explain`; what it knows
becomes one line on stderr and an exit code (2 for bad usage or configuration, 1 for an
operation that failed), what it does not know stays a traceback, because that is a bug.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

USAGE = 2
FAILED = 1
MIGRATE_HINT = "run `python -m app migrate` first"


@dataclass(frozen=True)
class Explained:
    message: str
    exit_code: int


def explain(exc: BaseException) -> Explained | None:
    """The one line for `exc`, or None when it is not an operator's problem."""
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return Explained(f"configuration error: {_settings_problems(exc)}", USAGE)
    if isinstance(exc, (ArgumentError, NoSuchModuleError)):
        return Explained(
            f"configuration error: DATABASE_URL is not a usable database URL ({exc}); "
            "use sqlite+aiosqlite:///PATH or postgresql+asyncpg://HOST/NAME",
            USAGE,
        )
    if type(exc).__name__ == "NoResolverConfiguration":
        return Explained(
            "no DNS server is configured on this machine: name one with --nameserver IP", FAILED
        )
    if _is_missing_table(exc):
        return Explained(f"the database {_database()} is not migrated: {MIGRATE_HINT}", FAILED)
    unreachable = _unreachable_cause(exc)
    if unreachable is not None:
        return Explained(
            f"cannot reach the database {_database()}: {_first_line(unreachable)}; "
            "check DATABASE_URL and that the server is running",
            FAILED,
        )
    if isinstance(exc, DBAPIError):
        return Explained(f"database error at {_database()}: {_reason(exc)}", FAILED)
    return None


def _settings_problems(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        variable = "_".join(str(part) for part in error["loc"][:1]).upper() or "settings"
        given = error.get("input")
        shown = f" (got {given!r})" if isinstance(given, (str, int, float)) else ""
        problems.append(f"{variable}: {error['msg']}{shown}")
    return "; ".join(problems)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        seen.append(exc.orig)
    return seen


def _is_missing_table(exc: BaseException) -> bool:
    for link in _chain(exc):
        text = str(link).lower()
        if "no such table" in text or type(link).__name__ == "UndefinedTableError":
            return True
        if "relation" in text and "does not exist" in text:
            return True
    return False


def _unreachable_cause(exc: BaseException) -> BaseException | None:
    for link in _chain(exc):
        if isinstance(link, (ConnectionError, socket.gaierror, TimeoutError)):
            return link
        if type(link).__name__ in {"InvalidCatalogNameError", "CannotConnectNowError"}:
            return link
        if isinstance(link, OSError) and "connect" in str(link).lower():
            return link
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _reason(exc: BaseException) -> str:
    return _first_line(_chain(exc)[-1])


def _database() -> str:
    """DATABASE_URL as the operator may see it: the password masked."""
    raw = os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./roundtable.db")
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return "named by DATABASE_URL"
