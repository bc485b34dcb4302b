"""Caps on mail a request sends to an address it names (C14).

Signup, magic links, password resets, invites and email changes each mail an address
the requester chose, so each could be used to flood someone's inbox from our domain.
Every such flow calls `MailCaps.before_mailing(address)` before it looks the address
up: one cooldown and one daily cap per recipient, shared by all the flows, answered
with 429 and `Retry-After`. Because the check comes before the lookup, it answers the
same whether or not an account has the address (no enumeration, C07).

Who asks is capped as well: anonymous flows by client IP (at their routes), signed-in
ones by `before_request_by(limit, key)`, keyed by user or org.
"""

from __future__ import annotations

import uuid

from app.core.ratelimit import RateLimiter


class MailCaps:
    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter

    async def before_mailing(self, address: str) -> None:
        """RateLimited when `address` was mailed under a minute ago or too often today."""
        await self._limiter.hit("mail_recipient_cooldown", address)
        await self._limiter.hit("mail_recipient_daily", address)

    async def before_request_by(self, limit: str, requester: uuid.UUID) -> None:
        """RateLimited when this user or org has asked for too much such mail."""
        await self._limiter.hit(limit, str(requester))

    async def verification_sent(self, user_id: uuid.UUID) -> None:
        """Counts a signup's verification mail, so a login right after does not re-send."""
        await self._limiter.count("verification_resend_account", str(user_id))

    async def may_resend_verification(self, user_id: uuid.UUID, address: str) -> bool:
        """Whether a login may re-send the verification link now (never refuses)."""
        return await self._limiter.try_hit(
            "verification_resend_account", str(user_id)
        ) and await self._limiter.try_hit("mail_recipient_cooldown", address)
