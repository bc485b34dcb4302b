"""Who is asking from where, as recorded with audit events and sessions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    """The client IP (as settled by the proxy layer) and user agent of a request."""

    ip: str
    user_agent: str
