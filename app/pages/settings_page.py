"""The settings page: profile, password, email address, sessions, logging out, and the
member's own payment standing in each org. Every form calls the service the API's
/me and /auth routes call, under the same `CurrentUser` policy."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.cookies import clear_session_cookies
from app.accounts.endpoints import Accounts
from app.accounts.route_limits import PASSWORD_GUESSES_BY_CALLER
from app.accounts.schemas import EmailChangeRequest, PasswordChangeRequest, ProfileUpdate
from app.authz.policies import CurrentUser
from app.billing.endpoints import Billing
from app.core.dependencies import AppSettings
from app.pages.billing import PAYMENT_WORDS
from app.pages.forms import FormFields, parsed, validated
from app.pages.rendering import render
from app.pages.routing import form_page, page_router, redrawn, see_other

router = page_router()
DONE_WORDS = {
    "profile": "Your profile is saved.",
    "password": "Your password is changed; every other session was ended.",
    "email": "We have sent a confirmation link to the new address. Open it to finish.",
    "session": "That session is ended.",
}


async def settings_context(
    user: CurrentUser, accounts: Accounts, billing: Billing
) -> dict[str, Any]:
    return {
        "user": user,
        "profile": await accounts.profile(user),
        "sessions": await accounts.sessions(user),
        "current_session": user.session_id,
        "standings": await billing.my_standings(user.id),
        "payment_words": PAYMENT_WORDS,
    }


SETTINGS_FORM = form_page("settings.html", redrawn(settings_context))
"""Each settings form: a refusal shows the page again with the reason in words."""


def done(what: str) -> RedirectResponse:
    return see_other(f"/settings?done={what}")


@router.get("/settings")
async def settings_page(
    user: CurrentUser, request: Request, accounts: Accounts, billing: Billing, done: str = ""
) -> Response:
    context = await settings_context(user, accounts, billing)
    return render(request, "settings.html", notice=DONE_WORDS.get(done), **context)


@router.post("/settings/profile", dependencies=[SETTINGS_FORM])
async def update_profile(user: CurrentUser, fields: FormFields, accounts: Accounts) -> Response:
    given: dict[str, object] = {
        "display_name": fields.get("display_name", ""),
        "bio": fields.get("bio", ""),
    }
    body = validated(ProfileUpdate, given)  # a blank bio clears it
    await accounts.update_profile(user, body.display_name, body.bio)
    return done("profile")


@router.post("/settings/password", dependencies=[SETTINGS_FORM, PASSWORD_GUESSES_BY_CALLER])
async def change_password(user: CurrentUser, fields: FormFields, accounts: Accounts) -> Response:
    body = parsed(PasswordChangeRequest, fields, "current_password", "new_password")
    await accounts.change_password(user, body.current_password, body.new_password)
    return done("password")


@router.post("/settings/email", dependencies=[SETTINGS_FORM, PASSWORD_GUESSES_BY_CALLER])
async def change_email(user: CurrentUser, fields: FormFields, accounts: Accounts) -> Response:
    body = parsed(EmailChangeRequest, fields, "new_email", "current_password")
    await accounts.request_email_change(user, body.new_email, body.current_password)
    return done("email")


@router.post("/settings/sessions/{session_id}/end")
async def end_session(
    user: CurrentUser, session_id: uuid.UUID, accounts: Accounts, settings: AppSettings
) -> Response:
    await accounts.end_session(user, session_id)
    if session_id != user.session_id:
        return done("session")
    response = see_other("/login")
    clear_session_cookies(response, settings)
    return response


@router.post("/settings/logout-everywhere")
async def logout_everywhere(
    user: CurrentUser, accounts: Accounts, settings: AppSettings
) -> Response:
    await accounts.logout_everywhere(user)
    response = see_other("/login")
    clear_session_cookies(response, settings)
    return response
