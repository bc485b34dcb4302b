"""Idempotency-Key on creates: a retried request answers its first result."""
