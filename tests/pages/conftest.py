from tests.support.stripe_standin import stripe_standin

__all__ = ["stripe_standin"]
