"""The rate-limit table: one line per limited action, in `limits` notation.

`_ip` limits are keyed by the client IP, `_account` ones by the email address named in
the request, `_user` ones by the logged-in user's id. Any entry can be overridden from
the environment, e.g. `RATE_LIMITS='{"login_ip": "20/minute"}'`; the others keep these
values. How to apply them to a route: see `app.core.ratelimit`.
"""

from __future__ import annotations

from collections.abc import Mapping

from limits import parse_many

DEFAULT_RATE_LIMITS: dict[str, str] = {
    # Password login attempts from one address, whatever their outcome.
    "login_ip": "20/minute",
    # Wrong passwords only (app.core.ratelimit.login_failures): for one account from one
    # address, and for one account from everywhere. Minutes, not hours, so that a
    # stranger cannot lock the owner out for long.
    "login_failures_account_ip": "5/15minutes",
    "login_failures_account": "20/15minutes",
    "signup_ip": "10/hour",
    "signup_account": "5/hour",
    "magic_link_ip": "10/hour",
    "magic_link_account": "5/hour",
    "password_reset_ip": "10/hour",
    "password_reset_account": "5/hour",
    # Verify-email, magic-link consume, reset confirm, email-change confirm, invite preview.
    "token_exchange_ip": "30/hour",
    "invite_accept_ip": "20/hour",
    # Mail a request sends to an address it names (signup, magic link, reset, invite,
    # email change), counted per recipient across all those flows (app.mail.caps).
    "mail_recipient_cooldown": "1/minute",
    "mail_recipient_daily": "20/day",
    # Who asks for such mail: per account and per org (the IP limits above cover the
    # anonymous flows).
    "email_change_user": "5/hour",
    "invite_create_user": "50/hour",
    "invite_create_org": "200/day",
    # A login to an unverified account re-sends its link at most this often.
    "verification_resend_account": "1/5minutes",
    "post_create_user": "30/hour",
    "comment_create_user": "120/hour",
    "message_send_user": "300/hour",
    "webhook_ip": "600/minute",
}


def merged_rate_limits(overrides: Mapping[str, str]) -> dict[str, str]:
    """The table with `overrides` applied; refuses unknown names and bad notation."""
    unknown = sorted(set(overrides) - set(DEFAULT_RATE_LIMITS))
    if unknown:
        raise ValueError(f"RATE_LIMITS names unknown limits: {', '.join(unknown)}")
    for name, notation in overrides.items():
        try:
            parsed = parse_many(notation)
        except ValueError:
            parsed = []
        if len(parsed) != 1:
            raise ValueError(f"RATE_LIMITS[{name!r}] is not one limit like '10/minute'")
    return {**DEFAULT_RATE_LIMITS, **overrides}
