"""Public pages: landing, sign-up, log-in, and the pages every mailed link opens.

A mailed link carries its token in the fragment (`/verify-email#token=...`), which no
server log or Referer ever sees. Opening the page (GET or HEAD) changes nothing: the
first-party script copies the token into the form, and the member's button press
POSTs it, so a mail scanner that fetches links cannot spend it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.cookies import (
    clear_session_cookies,
    set_session_cookies,
    set_signup_browser_cookie,
    signup_browser_proof,
)
from app.accounts.endpoints import SIGNUP_ACCEPTED, Accounts, password_guesses_counted
from app.accounts.schemas import (
    EmailRequest,
    LoginRequest,
    PasswordResetConfirm,
    SignupRequest,
    TokenRequest,
)
from app.authz.caller import MaybeUser
from app.authz.policies import PublicRoute
from app.core.dependencies import AppSettings, DbSession
from app.core.errors import AppError
from app.core.ratelimit import enforce_limit, limit_by_ip, login_failures
from app.mail.service import unsubscribe
from app.orgs.endpoints import Invites
from app.orgs.schemas import InviteAccept
from app.pages.forms import form_fields, parsed
from app.pages.next_path import safe_next
from app.pages.rendering import render
from app.pages.routing import page_router
from app.pages.words import words_for

router = page_router()
OPEN = ["GET", "HEAD"]
LINK_SENT = "If an account uses that address, a link is on its way. Check your inbox."
VERIFIED_ELSEWHERE = (
    "Your address is confirmed. You opened the link in another browser than the one you"
    " signed up in, so for your safety choose your password again."
)


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def form_action(
    request: Request,
    template: str,
    action: Callable[[dict[str, str]], Awaitable[Response]],
    **context: object,
) -> Response:
    """Run the form's action; a refusal re-renders the form with the member's input kept
    (never a password or a token the member did not type) and the reason in words."""
    fields = await form_fields(request)
    try:
        return await action(fields)
    except AppError as error:
        title, text = words_for(error)
        kept = {k: v for k, v in fields.items() if "password" not in k}
        response = render(
            request, template, error.status_code, error=text, error_title=title,
            values=kept, **context,
        )  # fmt: skip
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response


@router.api_route("/", methods=OPEN)
async def landing(_: PublicRoute, request: Request, caller: MaybeUser) -> Response:
    return render(request, "landing.html", user=caller)


@router.get("/signup")
async def signup_page(_: PublicRoute, request: Request) -> Response:
    return render(request, "signup.html")


@router.post("/signup")
async def signup(
    _: PublicRoute, request: Request, accounts: Accounts, settings: AppSettings
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("signup_ip")(request)
        body = parsed(SignupRequest, fields, "email", "password", "display_name")
        await enforce_limit(request, "signup_account", body.email)
        proof = await accounts.signup(body.email, body.password, body.display_name)
        text = SIGNUP_ACCEPTED.message
        response = render(request, "sent.html", title="Check your inbox", text=text)
        set_signup_browser_cookie(response, settings, proof)
        return response

    return await form_action(request, "signup.html", act)


@router.get("/login")
async def login_page(_: PublicRoute, request: Request, next: str = "") -> Response:
    return render(request, "login.html", next=safe_next(next))


@router.post("/login")
async def login(
    _: PublicRoute, request: Request, accounts: Accounts, settings: AppSettings
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("login_ip")(request)
        body = parsed(LoginRequest, fields, "email", "password")
        async with password_guesses_counted(request, body.email):
            proof = signup_browser_proof(request, settings)
            new_session = await accounts.login(body.email, body.password, proof)
        await login_failures.forget(request, body.email)
        response = see_other(safe_next(fields.get("next")))
        set_session_cookies(response, settings, new_session.token)
        return response

    fields = await form_fields(request)
    return await form_action(request, "login.html", act, next=safe_next(fields.get("next")))


@router.post("/login/email-link")
async def request_login_link(_: PublicRoute, request: Request, accounts: Accounts) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("magic_link_ip")(request)
        body = parsed(EmailRequest, fields, "email")
        await enforce_limit(request, "magic_link_account", body.email)
        await accounts.request_magic_link(body.email)
        return render(request, "sent.html", title="Check your inbox", text=LINK_SENT)

    return await form_action(request, "login.html", act, next="/dashboard")


@router.post("/logout")
async def logout(
    _: PublicRoute, caller: MaybeUser, accounts: Accounts, settings: AppSettings
) -> Response:
    if caller is not None:
        await accounts.logout(caller)
    response = see_other("/login")
    clear_session_cookies(response, settings)
    return response


# -- the mailed-link pages --------------------------------------------------------------


@router.api_route("/verify-email", methods=OPEN)
async def verify_email_page(_: PublicRoute, request: Request) -> Response:
    return render(request, "verify_email.html")


@router.post("/verify-email")
async def verify_email(
    _: PublicRoute, request: Request, accounts: Accounts, settings: AppSettings
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("token_exchange_ip")(request)
        token = parsed(TokenRequest, fields, "token").token
        verified = await accounts.verify_email(token, signup_browser_proof(request, settings))
        if verified.password_kept:
            text, link = "Your address is confirmed. You can log in now.", "/login"
        else:
            text, link = VERIFIED_ELSEWHERE, "/reset-password"
        return render(request, "done.html", title="Email confirmed", text=text, link=link)

    return await form_action(request, "verify_email.html", act)


@router.api_route("/magic-link", methods=OPEN)
async def magic_link_page(_: PublicRoute, request: Request) -> Response:
    return render(request, "magic_link.html")


@router.post("/magic-link")
async def consume_magic_link(
    _: PublicRoute, request: Request, accounts: Accounts, settings: AppSettings
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("token_exchange_ip")(request)
        new = await accounts.consume_magic_link(parsed(TokenRequest, fields, "token").token)
        response = see_other("/dashboard")
        set_session_cookies(response, settings, new.token)
        return response

    return await form_action(request, "magic_link.html", act)


@router.api_route("/reset-password", methods=OPEN)
async def reset_password_page(_: PublicRoute, request: Request) -> Response:
    return render(request, "reset_password.html")


@router.post("/reset-password/request")
async def request_reset(_: PublicRoute, request: Request, accounts: Accounts) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("password_reset_ip")(request)
        body = parsed(EmailRequest, fields, "email")
        await enforce_limit(request, "password_reset_account", body.email)
        await accounts.request_password_reset(body.email)
        return render(request, "sent.html", title="Check your inbox", text=LINK_SENT)

    return await form_action(request, "reset_password.html", act)


@router.post("/reset-password")
async def set_new_password(
    _: PublicRoute, request: Request, accounts: Accounts, settings: AppSettings
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("token_exchange_ip")(request)
        body = parsed(PasswordResetConfirm, fields, "token", "new_password")
        await accounts.confirm_password_reset(body.token, body.new_password)
        text = "Your new password is set and every session was ended. Log in with it now."
        response = render(request, "done.html", title="Password changed", text=text, link="/login")
        clear_session_cookies(response, settings)
        return response

    return await form_action(request, "reset_password.html", act, with_token=True)


@router.api_route("/invite", methods=OPEN)
async def invite_page(_: PublicRoute, request: Request, caller: MaybeUser) -> Response:
    return render(request, "invite.html", user=caller)


@router.post("/invite")
async def accept_invite(
    _: PublicRoute,
    request: Request,
    caller: MaybeUser,
    invites: Invites,
    settings: AppSettings,
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("invite_accept_ip")(request)
        if caller is not None:
            token = parsed(TokenRequest, fields, "token").token
            invite = await invites.accept_as(caller, token)
            return see_other(f"/orgs/{invite.org_id}")
        body = parsed(InviteAccept, fields, "token", "password", "display_name")
        invite, new = await invites.accept_as_new_account(
            body.token, body.password, body.display_name
        )
        response = see_other(f"/orgs/{invite.org_id}")
        set_session_cookies(response, settings, new.token)
        return response

    return await form_action(request, "invite.html", act, user=caller)


@router.api_route("/confirm-email", methods=OPEN)
async def confirm_email_page(_: PublicRoute, request: Request) -> Response:
    return render(request, "confirm_email.html")


@router.post("/confirm-email")
async def confirm_email(
    _: PublicRoute, request: Request, caller: MaybeUser, accounts: Accounts
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("token_exchange_ip")(request)
        token = parsed(TokenRequest, fields, "token").token
        user = await accounts.confirm_email_change(token, caller)
        text = f"Your account now uses {user.email}."
        return render(request, "done.html", title="Address changed", text=text, link="/login")

    return await form_action(request, "confirm_email.html", act)


@router.api_route("/unsubscribe", methods=OPEN)
async def unsubscribe_page(_: PublicRoute, request: Request) -> Response:
    return render(request, "unsubscribe.html")


@router.post("/unsubscribe")
async def unsubscribe_from_page(
    _: PublicRoute, request: Request, db: DbSession, settings: AppSettings
) -> Response:
    async def act(fields: dict[str, str]) -> Response:
        await limit_by_ip("token_exchange_ip")(request)
        done = await unsubscribe(db, settings, parsed(TokenRequest, fields, "token").token)
        text = f"You will no longer get {done.category.replace('_', ' ')} mail."
        return render(request, "done.html", title="Unsubscribed", text=text, link="/")

    return await form_action(request, "unsubscribe.html", act)
