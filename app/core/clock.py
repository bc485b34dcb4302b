"""The one source of the current time, so tests can move it instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return self._frozen if self._frozen is not None else datetime.now(UTC)

    def freeze(self, at: datetime | None = None) -> None:
        self._frozen = at or datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self._frozen = self.now() + delta

    def unfreeze(self) -> None:
        self._frozen = None


clock = Clock()


def now() -> datetime:
    return clock.now()
