"""The limits of the account routes, declared alike by the API (app.accounts.endpoints)
and the pages (app.pages.public, app.pages.settings_page).

A wrong password counts against the account (and account + IP); a right one at login
clears the account + IP count (see app.core.ratelimit). The login form's address is read
as the API reads it, so the page and the API throttle one account together.
"""

from __future__ import annotations

from typing import Any

from app.accounts.schemas import LoginRequest
from app.accounts.service import PasswordRejected
from app.authz.caller import caller_email
from app.core.limits import Key, by_body_field, by_form_field, failures_counted, rate_limit

TOKEN_EXCHANGE = rate_limit("token_exchange_ip")
"""Every route spending a mailed token (verify, magic link, reset, invite, email change)."""


def mailing_limits(action: str, address: Key) -> list[Any]:
    """The limits of a route that mails the address it is given (signup, magic link,
    password reset): `{action}_ip` per client IP and `{action}_account` per address."""
    return [rate_limit(f"{action}_ip"), rate_limit(f"{action}_account", key=address)]


PASSWORD_GUESSES_BY_BODY = failures_counted(
    by_body_field(LoginRequest, "email"), PasswordRejected, forget_on_success=True
)
PASSWORD_GUESSES_BY_FORM = failures_counted(
    by_form_field(LoginRequest, "email"), PasswordRejected, forget_on_success=True
)
PASSWORD_GUESSES_BY_CALLER = failures_counted(
    caller_email, PasswordRejected, forget_on_success=False
)
