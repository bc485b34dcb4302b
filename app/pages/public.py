"""Public pages: landing, sign-up, log-in, and the pages every mailed link opens.

A mailed link carries its token in the fragment (`/verify-email#token=...`), which no
server log or Referer ever sees. Opening the page (GET or HEAD) changes nothing: the
first-party script copies the token into the form, and the member's button press
POSTs it, so a mail scanner that fetches links cannot spend it.

Each form route declares its form (`form_page`) and then its limits, those of the API
route it mirrors: a refusal draws the form again with the member's input kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.accounts.cookies import (
    clear_session_cookies,
    set_session_cookies,
    set_signup_browser_cookie,
    signup_browser_proof,
)
from app.accounts.endpoints import SIGNUP_ACCEPTED, Accounts
from app.accounts.route_limits import PASSWORD_GUESSES_BY_FORM, TOKEN_EXCHANGE, mailing_limits
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
from app.core.limits import by_form_field, rate_limit
from app.mail.service import unsubscribe
from app.orgs.endpoints import Invites
from app.orgs.schemas import InviteAccept
from app.pages.forms import FormFields, parsed
from app.pages.next_path import safe_next
from app.pages.rendering import render
from app.pages.routing import Redraw, drawn_with, form_page, page_router, see_other

router = page_router()
OPEN = ["GET", "HEAD"]
LINK_SENT = "If an account uses that address, a link is on its way. Check your inbox."
VERIFIED_ELSEWHERE = (
    "Your address is confirmed. You opened the link in another browser than the one you"
    " signed up in, so for your safety choose your password again."
)


def token_form(template: str) -> list[Any]:
    """A mailed link's form and the token-exchange limit every such form counts against."""
    return [form_page(template), TOKEN_EXCHANGE]


def link_page(path: str, template: str) -> None:
    """The page a mailed link opens: its form only, so opening it (GET or HEAD) spends
    nothing."""

    async def mailed_link_page(_: PublicRoute, request: Request) -> Response:
        return render(request, template)

    router.api_route(path, methods=OPEN, name=template.removesuffix(".html"))(mailed_link_page)


async def login_form_context(fields: FormFields) -> Redraw:
    return drawn_with(next=safe_next(fields.get("next")))


async def invite_form_context(caller: MaybeUser) -> Redraw:
    return drawn_with(user=caller)


@router.api_route("/", methods=OPEN)
async def landing(_: PublicRoute, request: Request, caller: MaybeUser) -> Response:
    return render(request, "landing.html", user=caller)


@router.get("/signup")
async def signup_page(_: PublicRoute, request: Request) -> Response:
    return render(request, "signup.html")


@router.post(
    "/signup",
    dependencies=[
        form_page("signup.html"),
        *mailing_limits("signup", by_form_field(SignupRequest, "email")),
    ],
)
async def signup(
    _: PublicRoute, request: Request, fields: FormFields, accounts: Accounts,
    settings: AppSettings,
) -> Response:  # fmt: skip
    body = parsed(SignupRequest, fields, "email", "password", "display_name")
    proof = await accounts.signup(body.email, body.password, body.display_name)
    text = SIGNUP_ACCEPTED.message
    response = render(request, "sent.html", title="Check your inbox", text=text)
    set_signup_browser_cookie(response, settings, proof)
    return response


@router.get("/login")
async def login_page(_: PublicRoute, request: Request, next: str = "") -> Response:
    return render(request, "login.html", next=safe_next(next))


@router.post(
    "/login",
    dependencies=[
        form_page("login.html", login_form_context),
        rate_limit("login_ip"),
        PASSWORD_GUESSES_BY_FORM,
    ],
)
async def login(
    _: PublicRoute, request: Request, fields: FormFields, accounts: Accounts,
    settings: AppSettings,
) -> Response:  # fmt: skip
    body = parsed(LoginRequest, fields, "email", "password")
    proof = signup_browser_proof(request, settings)
    new_session = await accounts.login(body.email, body.password, proof)
    response = see_other(safe_next(fields.get("next")))
    set_session_cookies(response, settings, new_session.token)
    return response


@router.post(
    "/login/email-link",
    dependencies=[
        form_page("login.html", next="/dashboard"),
        *mailing_limits("magic_link", by_form_field(EmailRequest, "email")),
    ],
)
async def request_login_link(
    _: PublicRoute, request: Request, fields: FormFields, accounts: Accounts
) -> Response:
    await accounts.request_magic_link(parsed(EmailRequest, fields, "email").email)
    return render(request, "sent.html", title="Check your inbox", text=LINK_SENT)


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


link_page("/verify-email", "verify_email.html")


@router.post("/verify-email", dependencies=token_form("verify_email.html"))
async def verify_email(
    _: PublicRoute, request: Request, fields: FormFields, accounts: Accounts,
    settings: AppSettings,
) -> Response:  # fmt: skip
    token = parsed(TokenRequest, fields, "token").token
    verified = await accounts.verify_email(token, signup_browser_proof(request, settings))
    if verified.password_kept:
        text, link = "Your address is confirmed. You can log in now.", "/login"
    else:
        text, link = VERIFIED_ELSEWHERE, "/reset-password"
    return render(request, "done.html", title="Email confirmed", text=text, link=link)


link_page("/magic-link", "magic_link.html")


@router.post("/magic-link", dependencies=token_form("magic_link.html"))
async def consume_magic_link(
    _: PublicRoute, fields: FormFields, accounts: Accounts, settings: AppSettings
) -> Response:
    new = await accounts.consume_magic_link(parsed(TokenRequest, fields, "token").token)
    response = see_other("/dashboard")
    set_session_cookies(response, settings, new.token)
    return response


link_page("/reset-password", "reset_password.html")


@router.post(
    "/reset-password/request",
    dependencies=[
        form_page("reset_password.html"),
        *mailing_limits("password_reset", by_form_field(EmailRequest, "email")),
    ],
)
async def request_reset(
    _: PublicRoute, request: Request, fields: FormFields, accounts: Accounts
) -> Response:
    await accounts.request_password_reset(parsed(EmailRequest, fields, "email").email)
    return render(request, "sent.html", title="Check your inbox", text=LINK_SENT)


@router.post(
    "/reset-password",
    dependencies=[form_page("reset_password.html", with_token=True), TOKEN_EXCHANGE],
)
async def set_new_password(
    _: PublicRoute, request: Request, fields: FormFields, accounts: Accounts,
    settings: AppSettings,
) -> Response:  # fmt: skip
    body = parsed(PasswordResetConfirm, fields, "token", "new_password")
    await accounts.confirm_password_reset(body.token, body.new_password)
    text = "Your new password is set and every session was ended. Log in with it now."
    response = render(request, "done.html", title="Password changed", text=text, link="/login")
    clear_session_cookies(response, settings)
    return response


@router.api_route("/invite", methods=OPEN)
async def invite_page(_: PublicRoute, request: Request, caller: MaybeUser) -> Response:
    return render(request, "invite.html", user=caller)


@router.post(
    "/invite",
    dependencies=[
        form_page("invite.html", invite_form_context),
        rate_limit("invite_accept_ip"),
    ],
)
async def accept_invite(
    _: PublicRoute, fields: FormFields, caller: MaybeUser, invites: Invites,
    settings: AppSettings,
) -> Response:  # fmt: skip
    if caller is not None:
        invite = await invites.accept_as(caller, parsed(TokenRequest, fields, "token").token)
        return see_other(f"/orgs/{invite.org_id}")
    body = parsed(InviteAccept, fields, "token", "password", "display_name")
    invite, new = await invites.accept_as_new_account(body.token, body.password, body.display_name)
    response = see_other(f"/orgs/{invite.org_id}")
    set_session_cookies(response, settings, new.token)
    return response


link_page("/confirm-email", "confirm_email.html")


@router.post("/confirm-email", dependencies=token_form("confirm_email.html"))
async def confirm_email(
    _: PublicRoute, request: Request, fields: FormFields, caller: MaybeUser, accounts: Accounts
) -> Response:
    token = parsed(TokenRequest, fields, "token").token
    user = await accounts.confirm_email_change(token, caller)
    text = f"Your account now uses {user.email}."
    return render(request, "done.html", title="Address changed", text=text, link="/login")


link_page("/unsubscribe", "unsubscribe.html")


@router.post("/unsubscribe", dependencies=token_form("unsubscribe.html"))
async def unsubscribe_from_page(
    _: PublicRoute, request: Request, fields: FormFields, db: DbSession, settings: AppSettings
) -> Response:
    done = await unsubscribe(db, settings, parsed(TokenRequest, fields, "token").token)
    text = f"You will no longer get {done.category.replace('_', ' ')} mail."
    return render(request, "done.html", title="Unsubscribed", text=text, link="/")
