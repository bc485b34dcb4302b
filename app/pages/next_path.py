"""Where to go after logging in: only a path of this site, never another origin."""

from __future__ import annotations

DEFAULT_AFTER_LOGIN = "/dashboard"


def safe_next(value: str | None) -> str:
    """`/spaces/x?y` is kept; `https://evil.test`, `//evil.test`, `/\\evil.test`,
    `javascript:...` and anything with control characters become the dashboard."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return DEFAULT_AFTER_LOGIN
    if any(ord(char) < 0x21 or char == "\\" for char in value):
        return DEFAULT_AFTER_LOGIN
    return value
