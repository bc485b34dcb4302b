"""Random tokens, their stored hashes, and the CSRF value bound to a session."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from app.core.logging import remember_secret

SESSION_TOKEN_BYTES = 32  # 256 bits of randomness; the issue asks for at least 128


def new_session_token() -> str:
    return secrets.token_urlsafe(SESSION_TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps of a session token: a plain SHA-256 suffices for 256 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token_for(session_token: str, secret_key: str) -> str:
    """The CSRF value of a session: derived, so the server stores nothing for it."""
    digest = hmac.new(secret_key.encode(), b"csrf:" + session_token.encode(), hashlib.sha256)
    token = digest.hexdigest()
    remember_secret(token)  # handed to the client, never logged
    return token


def same_secret(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
