"""The mark that makes a dependency a route policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

POLICY_ATTRIBUTE = "__route_policy__"

F = TypeVar("F", bound=Callable[..., Any])


def route_policy(name: str) -> Callable[[F], F]:
    """Mark a dependency as a route policy called `name`."""

    def mark(function: F) -> F:
        setattr(function, POLICY_ATTRIBUTE, name)
        return function

    return mark


def policy_name(call: object) -> str | None:
    name = getattr(call, POLICY_ATTRIBUTE, None)
    return name if isinstance(name, str) else None
