"""The settings page: profile, password, email address, sessions, logging out, and the
member's own payment standing in each org. Every form calls the service the API's
/me and /auth routes call, under the same `CurrentUser` policy."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.cookies import clear_session_cookies
from app.accounts.endpoints import Accounts, password_guesses_counted
from app.accounts.schemas import EmailChangeRequest, PasswordChangeRequest, ProfileUpdate
from app.accounts.sessions import AuthenticatedUser
from app.authz.policies import CurrentUser
from app.billing.endpoints import Billing
from app.core.dependencies import AppSettings
from app.core.errors import AppError
from app.pages.billing import PAYMENT_WORDS
from app.pages.forms import form_fields, parsed, validated
from app.pages.rendering import render
from app.pages.routing import page_router
from app.pages.words import words_for

router = page_router()
DONE_WORDS = {
    "profile": "Your profile is saved.",
    "password": "Your password is changed; every other session was ended.",
    "email": "We have sent a confirmation link to the new address. Open it to finish.",
    "session": "That session is ended.",
}


async def settings_page_for(
    request: Request, user: AuthenticatedUser, accounts: Accounts, billing: Billing,
    status_code: int = 200, **context: object,
) -> Response:  # fmt: skip
    profile = await accounts.profile(user)
    sessions = await accounts.sessions(user)
    return render(
        request, "settings.html", status_code, user=user, profile=profile,
        sessions=sessions, current_session=user.session_id,
        standings=await billing.my_standings(user.id), payment_words=PAYMENT_WORDS, **context,
    )  # fmt: skip


async def settings_form(
    request: Request, user: AuthenticatedUser, accounts: Accounts, billing: Billing,
    action: Callable[[dict[str, str]], Awaitable[Response]],
) -> Response:  # fmt: skip
    """Run the form's action; a refusal shows the page again with the reason in words and
    the member's input kept (never a password)."""
    fields = await form_fields(request)
    try:
        return await action(fields)
    except AppError as error:
        title, text = words_for(error)
        kept = {k: v for k, v in fields.items() if "password" not in k}
        response = await settings_page_for(
            request, user, accounts, billing, error.status_code,
            error=text, error_title=title, values=kept,
        )  # fmt: skip
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response


def done(what: str) -> RedirectResponse:
    return RedirectResponse(f"/settings?done={what}", status_code=303)


@router.get("/settings")
async def settings_page(
    user: CurrentUser, request: Request, accounts: Accounts, billing: Billing, done: str = ""
) -> Response:
    return await settings_page_for(request, user, accounts, billing, notice=DONE_WORDS.get(done))


@router.post("/settings/profile")
async def update_profile(
    user: CurrentUser, request: Request, accounts: Accounts, billing: Billing
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        given: dict[str, object] = {
            "display_name": fields.get("display_name", ""),
            "bio": fields.get("bio", ""),
        }
        body = validated(ProfileUpdate, given)  # a blank bio clears it
        await accounts.update_profile(user, body.display_name, body.bio)
        return done("profile")

    return await settings_form(request, user, accounts, billing, act)


@router.post("/settings/password")
async def change_password(
    user: CurrentUser, request: Request, accounts: Accounts, billing: Billing
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        body = parsed(PasswordChangeRequest, fields, "current_password", "new_password")
        async with password_guesses_counted(request, user.email):
            await accounts.change_password(user, body.current_password, body.new_password)
        return done("password")

    return await settings_form(request, user, accounts, billing, act)


@router.post("/settings/email")
async def change_email(
    user: CurrentUser, request: Request, accounts: Accounts, billing: Billing
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        body = parsed(EmailChangeRequest, fields, "new_email", "current_password")
        async with password_guesses_counted(request, user.email):
            await accounts.request_email_change(user, body.new_email, body.current_password)
        return done("email")

    return await settings_form(request, user, accounts, billing, act)


@router.post("/settings/sessions/{session_id}/end")
async def end_session(
    user: CurrentUser, session_id: uuid.UUID, accounts: Accounts, settings: AppSettings
) -> Response:
    await accounts.end_session(user, session_id)
    if session_id != user.session_id:
        return done("session")
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookies(response, settings)
    return response


@router.post("/settings/logout-everywhere")
async def logout_everywhere(
    user: CurrentUser, accounts: Accounts, settings: AppSettings
) -> Response:
    await accounts.logout_everywhere(user)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookies(response, settings)
    return response
