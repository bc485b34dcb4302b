"""The seeded world of tests/support/world.py with its content, and a client per person."""

from tests.support.world_content import callers, world

__all__ = ["callers", "world"]
