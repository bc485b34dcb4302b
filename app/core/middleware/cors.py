"""CORS from `CORS_ORIGINS` only (C20): an explicit allowlist, or no CORS at all.

Listed origins may send credentials (cookies) and the `X-CSRF-Token` and `X-Request-ID`
headers, and may read `X-Request-ID`, `Retry-After` and the rate-limit headers. Any
other origin gets no CORS headers, so browsers keep its scripts from reading answers.
"""

from __future__ import annotations

from typing import Any

from app.core.settings import Settings

ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = ("Content-Type", "X-CSRF-Token", "X-Request-ID")
EXPOSED_HEADERS = (
    "X-Request-ID",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)
PREFLIGHT_MAX_AGE_SECONDS = 600


def cors_options(settings: Settings) -> dict[str, Any] | None:
    """Keyword arguments for Starlette's CORSMiddleware; None when no origin is listed."""
    origins = frozenset(origin.rstrip("/") for origin in settings.cors_origins)
    if not origins:
        return None
    if any("*" in origin for origin in origins):
        # With credentials a wildcard would let every site read every member's data.
        raise ValueError("CORS_ORIGINS must name origins; '*' is refused")
    return {
        "allow_origins": origins,
        "allow_credentials": True,
        "allow_methods": ALLOWED_METHODS,
        "allow_headers": ALLOWED_HEADERS,
        "expose_headers": EXPOSED_HEADERS,
        "max_age": PREFLIGHT_MAX_AGE_SECONDS,
    }
