"""Signed, time-stamped values (itsdangerous) that follow the injectable clock."""

from __future__ import annotations

import functools

from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from app.core.clock import now


class _ClockSigner(TimestampSigner):
    """Reads time from app.core.clock, so expiry follows the injected clock in tests."""

    def get_timestamp(self) -> int:
        return int(now().timestamp())


# Cached: a serializer holds only its key and salt, and building one per cursor or token
# was a measurable share of a list read.
@functools.lru_cache(maxsize=64)
def timed_serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    """A serializer whose values are only valid for `purpose` (its salt) and carry their age."""
    return URLSafeTimedSerializer(secret_key, salt=f"roundtable.{purpose}", signer=_ClockSigner)


@functools.lru_cache(maxsize=64)
def plain_serializer(secret_key: str, purpose: str) -> URLSafeSerializer:
    """A serializer for values that need integrity but no age (cursors, for one)."""
    return URLSafeSerializer(secret_key, salt=f"roundtable.{purpose}")
