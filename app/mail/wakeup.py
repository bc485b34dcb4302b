"""Wakes the in-process delivery loops when a transaction that queued mail commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_QUEUED = "mail.queued"
_listeners: set[Callable[[], None]] = set()


def mark_mail_queued(session: Session) -> None:
    session.info[_QUEUED] = True


def add_listener(wake: Callable[[], None]) -> None:
    _listeners.add(wake)


def remove_listener(wake: Callable[[], None]) -> None:
    _listeners.discard(wake)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_QUEUED, False):
        for wake in list(_listeners):
            wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session, *_args: Any) -> None:
    session.info.pop(_QUEUED, None)
