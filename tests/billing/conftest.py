from tests.support.stripe_standin import stripe_standin
from tests.support.world_content import callers, world

__all__ = ["callers", "stripe_standin", "world"]
