"""Structured logging: JSON lines outside development, every line redacted.

The request ID is bound into structlog's context variables by the request-context
middleware, so every line written while serving a request carries it.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from contextvars import ContextVar
from typing import Any, TextIO, cast

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[REDACTED]"
SENSITIVE_KEY = re.compile(
    r"pass(word|wd)?|secret|token|cookie|authorization|api[_-]?key|session|csrf|dsn|"
    r"private[_-]?key|credential|signature",
    re.IGNORECASE,
)
SENSITIVE_VALUE = re.compile(
    r"(?i)(bearer\s+[A-Za-z0-9._~+/=-]+"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----)"
)
# Keys whose names contain a sensitive word but whose values are safe to keep.
SAFE_KEYS = frozenset({"session_id", "token_kind", "csrf_failed"})
# The configured secrets themselves, so a value is caught under any key or inside any
# message (an exception quoting a URL, say). Set by `configure_logging`, longest first.
_secret_values: tuple[str, ...] = ()
# The secrets one request carries or makes (its session cookie, a password it posts, a
# token it mails), caught by value in that request's lines whatever the key: a line
# that logs a password under an innocent name is redacted too.
# Kept longest first, so a secret inside a longer one is never half replaced.
_request_secrets: ContextVar[list[str] | None] = ContextVar("request_secrets", default=None)
MIN_REQUEST_SECRET_CHARS = 8
# "bearer x" is SENSITIVE_VALUE's shortest match
_SHORTEST_SENSITIVE_VALUE = len("bearer x")
# A text shorter than every secret and every sensitive pattern holds none of them, so the
# many short values of a line (level, method, status) skip the search. Set with the secrets.
_shortest_redactable = min(MIN_REQUEST_SECRET_CHARS, _SHORTEST_SENSITIVE_VALUE)


def start_request_secrets() -> None:
    _request_secrets.set([])


def end_request_secrets() -> None:
    _request_secrets.set(None)


def remember_secret(value: str) -> None:
    """Redact `value` from every later line of the current request (no-op outside one)."""
    values = _request_secrets.get()
    if values is not None and len(value) >= MIN_REQUEST_SECRET_CHARS and value not in values:
        values.append(value)
        values.sort(key=len, reverse=True)


def remember_secret_fields(fields: Iterable[tuple[str, Any]]) -> None:
    """Remember the string values of fields named like secrets (`password`, `token`)."""
    for key, value in fields:
        if isinstance(value, str) and is_sensitive_key(key):
            remember_secret(value)


@functools.lru_cache(maxsize=1024)  # bounded: header and field names come from clients
def is_sensitive_key(key: str) -> bool:
    return key not in SAFE_KEYS and SENSITIVE_KEY.search(key) is not None


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, Mapping):
        return {key: _redact_item(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value


def _redact_text(text: str) -> str:
    if len(text) < _shortest_redactable:
        return text
    for secret in _secret_values:
        text = text.replace(secret, REDACTED)
    for secret in _request_secrets.get() or ():
        text = text.replace(secret, REDACTED)
    return SENSITIVE_VALUE.sub(REDACTED, text)


def _redact_item(key: str, value: Any) -> Any:
    if is_sensitive_key(key):
        return REDACTED
    return _redact_value(value)


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Remove passwords, tokens, secrets, cookies and authorization values from an event."""
    for key in list(event_dict):
        if key in ("event", "level", "timestamp", "logger"):
            event_dict[key] = _redact_value(event_dict[key])
        else:
            event_dict[key] = _redact_item(key, event_dict[key])
    return event_dict


class _CurrentStdout:
    """Writes to whatever `sys.stdout` is at the time, so captured output sees every line."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_secrets,
    ]


def configure_logging(
    *, json_lines: bool, level: str = "INFO", secret_values: Iterable[str] = ()
) -> None:
    global _secret_values, _shortest_redactable
    _secret_values = tuple(sorted(set(secret_values), key=len, reverse=True))
    lengths = [len(secret) for secret in _secret_values]
    _shortest_redactable = min(MIN_REQUEST_SECRET_CHARS, _SHORTEST_SENSITIVE_VALUE, *lengths)
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*_shared_processors(), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.WriteLoggerFactory(file=cast(TextIO, _CurrentStdout())),
        cache_logger_on_first_use=True,
    )
    _route_stdlib_logging(renderer, level)


def _route_stdlib_logging(renderer: Processor, level: str) -> None:
    """Library logs (uvicorn, alembic, sqlalchemy) get the same format and redaction."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *_shared_processors()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(_CurrentStdout())
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for chatty in ("alembic", "httpx", "httpcore", "mail.log", "aiosmtplib"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def bind_request(**values: Any) -> None:
    structlog.contextvars.bind_contextvars(**values)


def clear_request_context() -> None:
    structlog.contextvars.clear_contextvars()


def redact_mapping(values: MutableMapping[str, Any]) -> dict[str, Any]:
    """The redaction rule for any mapping leaving the process (Sentry events, for one)."""
    return {key: _redact_item(str(key), value) for key, value in values.items()}
