from tests.support.world_content import callers, world

__all__ = ["callers", "world"]
