"""HTTP routes of accounts (`/auth`) and of the caller's own account (`/me`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response, status

from app.accounts.cookies import (
    clear_session_cookies,
    set_session_cookies,
    set_signup_browser_cookie,
    signup_browser_proof,
)
from app.accounts.models import User
from app.accounts.route_limits import (
    PASSWORD_GUESSES_BY_BODY,
    PASSWORD_GUESSES_BY_CALLER,
    TOKEN_EXCHANGE,
    mailing_limits,
)
from app.accounts.schemas import (
    Accepted,
    EmailChangeRequest,
    EmailRequest,
    LoggedIn,
    LoginRequest,
    Me,
    PasswordChangeRequest,
    PasswordResetConfirm,
    ProfileUpdate,
    SessionInfo,
    SessionList,
    SignupRequest,
    TokenRequest,
)
from app.accounts.service import AccountService, NewSession
from app.accounts.sessions import AuthenticatedUser
from app.authz.caller import MaybeUser
from app.authz.policies import CurrentUser, PublicRoute
from app.core.api_docs import RATE_LIMITED_PER_USER, TOKEN_NOTES, errors
from app.core.dependencies import AppSettings, DbSession, request_meta_of, settings_of
from app.core.json_body import api_router
from app.core.limits import by_body_field, limiter_of, rate_limit
from app.mail.caps import MailCaps

auth_router = api_router(prefix="/auth", tags=["accounts"])
me_router = api_router(prefix="/me", tags=["accounts"])

INVALID_CREDENTIALS_NOTE = (
    "The current password is not correct (`invalid_credentials`), or the CSRF header or"
    " Origin is wrong."
)
TOO_MANY_WRONG_PASSWORDS = "Too many wrong current passwords; retry after `Retry-After` seconds."
Handler = TypeVar("Handler", bound=Callable[..., Any])

SIGNUP_ACCEPTED = Accepted(message="Check your inbox: we have sent a link to that address.")
LINK_ACCEPTED = Accepted(message="If an account uses that address, a link is on its way.")


async def account_service(request: Request, db: DbSession) -> AccountService:
    mail_caps = MailCaps(limiter_of(request))
    passwords = request.app.state.passwords
    meta = request_meta_of(request)
    return AccountService(db, settings_of(request), passwords, meta, mail_caps)


Accounts = Annotated[AccountService, Depends(account_service)]


def me_of(user: User | AuthenticatedUser) -> Me:
    """The /me answer, from the account row or from the caller a session resolved to."""
    if isinstance(user, AuthenticatedUser):
        verified = user.email_verified
    else:
        verified = user.email_verified_at is not None
    return Me(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        email_verified=verified,
        bio=user.bio,
    )


def logged_in(response: Response, settings: AppSettings, new: NewSession) -> LoggedIn:
    csrf = set_session_cookies(response, settings, new.token)
    return LoggedIn(user=me_of(new.user), csrf_token=csrf)


@auth_router.post(
    "/signup",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=mailing_limits("signup", by_body_field(SignupRequest, "email")),
    summary="Sign up",
    response_description="Always the same answer, whether or not the address is taken.",
)
async def signup(
    _: PublicRoute,
    body: SignupRequest,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> Accepted:
    """Create an account and mail a verification link to the address.

    The answer is the same whether or not the address already has an account (its
    owner is sent a notice instead), so nobody learns who is signed up. The account
    can log in once the link has been opened: see `POST /auth/verify-email`. A weak
    password is refused with 422."""
    proof = await accounts.signup(body.email, body.password, body.display_name)
    set_signup_browser_cookie(response, settings, proof)
    return SIGNUP_ACCEPTED


def token_route(path: str, summary: str, **more: Any) -> Callable[[Handler], Handler]:
    """An /auth route spending a mailed token: the token-exchange limit, and 400 or 404
    for a spent, expired or unknown token."""
    return auth_router.post(
        path, dependencies=[TOKEN_EXCHANGE], summary=summary,
        responses=errors(400, 404, notes=TOKEN_NOTES), **more,
    )  # fmt: skip


@token_route("/verify-email", "Confirm the email address")
async def verify_email(
    _: PublicRoute, request: Request, body: TokenRequest, accounts: Accounts, settings: AppSettings
) -> Me:
    """Confirm the address with the token from the verification mail
    (`/verify-email#token=...`), and answer the account.

    Opened in the browser that signed up, the account keeps the password chosen there.
    Opened anywhere else, that password is discarded (someone else may have signed up
    with this address): log in with a magic link or reset the password."""
    verified = await accounts.verify_email(body.token, signup_browser_proof(request, settings))
    return me_of(verified.user)


@auth_router.post(
    "/login",
    dependencies=[rate_limit("login_ip"), PASSWORD_GUESSES_BY_BODY],
    summary="Log in with email and password",
    responses=errors(
        401,
        notes={
            401: "The email or password is not correct (`invalid_credentials`).",
            403: "The password is right but the address is not confirmed yet "
            "(`email_not_verified`); a new link is mailed at most every five minutes. "
            "Or the Origin is wrong.",
        },
    ),
)
async def login(
    _: PublicRoute,
    request: Request,
    body: LoginRequest,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> LoggedIn:
    """Start a session: the answer sets the session cookie and the `csrf_token` cookie,
    and carries the same `csrf_token` for the `X-CSRF-Token` header of later calls.

    Any wrong email and password pair is the same 401. Repeated wrong passwords for
    one account are throttled (429 with `Retry-After`), first from the address that
    sends them."""
    proof = signup_browser_proof(request, settings)
    new_session = await accounts.login(body.email, body.password, proof)
    return logged_in(response, settings, new_session)


@auth_router.post(
    "/magic-link",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=mailing_limits("magic_link", by_body_field(EmailRequest, "email")),
    summary="Mail a login link",
)
async def request_magic_link(_: PublicRoute, body: EmailRequest, accounts: Accounts) -> Accepted:
    """Mail a one-time login link (`/magic-link#token=...`) to the address, if an
    account uses it. The answer is the same either way."""
    await accounts.request_magic_link(body.email)
    return LINK_ACCEPTED


@token_route("/magic-link/consume", "Log in with a mailed link")
async def consume_magic_link(
    _: PublicRoute,
    body: TokenRequest,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> LoggedIn:
    """Exchange the token of a login link for a session, as `POST /auth/login` does.

    The link works once. It also confirms the address of an account not yet verified."""
    return logged_in(response, settings, await accounts.consume_magic_link(body.token))


@auth_router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=mailing_limits("password_reset", by_body_field(EmailRequest, "email")),
    summary="Mail a password reset link",
)
async def request_password_reset(
    _: PublicRoute, body: EmailRequest, accounts: Accounts
) -> Accepted:
    """Mail a password reset link (`/reset-password#token=...`) to the address, if an
    account uses it. The answer is the same either way."""
    await accounts.request_password_reset(body.email)
    return LINK_ACCEPTED


@token_route(
    "/password-reset/confirm",
    "Set a new password with a reset link",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def confirm_password_reset(
    _: PublicRoute,
    body: PasswordResetConfirm,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> None:
    """Set a new password with the token from the reset mail.

    Every session of the account ends (log in again) and every other mailed link stops
    working. A weak password is refused with 422 and the link stays usable."""
    await accounts.confirm_password_reset(body.token, body.new_password)
    clear_session_cookies(response, settings)


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Log out")
async def logout(
    _: PublicRoute,
    caller: MaybeUser,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> None:
    """End this session on the server and clear its cookies. Without a live session it
    only clears the cookies, so it never fails for being logged out already."""
    if caller is not None:
        await accounts.logout(caller)
    clear_session_cookies(response, settings)


@auth_router.post(
    "/logout-all", status_code=status.HTTP_204_NO_CONTENT, summary="Log out everywhere"
)
async def logout_all(
    user: CurrentUser, accounts: Accounts, response: Response, settings: AppSettings
) -> None:
    """End every session of the account, this one included, and void every link mailed
    to it that is not used yet (a pending email change too)."""
    await accounts.logout_everywhere(user)
    clear_session_cookies(response, settings)


@auth_router.post(
    "/password-change",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[PASSWORD_GUESSES_BY_CALLER],
    summary="Change the password",
    responses=errors(429, notes={403: INVALID_CREDENTIALS_NOTE, 429: TOO_MANY_WRONG_PASSWORDS}),
)
async def change_password(
    user: CurrentUser, body: PasswordChangeRequest, accounts: Accounts
) -> None:
    """Replace the password, given the current one. This session stays; every other
    session ends and every mailed link not used yet stops working.

    Wrong current passwords are throttled like wrong passwords at login."""
    await accounts.change_password(user, body.current_password, body.new_password)


@me_router.get("", summary="Read my account")
async def read_me(user: CurrentUser) -> Me:
    """The logged-in caller's own account: address, display name, bio and whether the
    address is confirmed."""
    return me_of(user)


@me_router.patch("", summary="Update my profile")
async def update_me(user: CurrentUser, body: ProfileUpdate, accounts: Accounts) -> Me:
    """Change the display name or the bio; a field left out keeps its value. The email
    address changes through `POST /me/email-change`."""
    return me_of(await accounts.update_profile(user, body.display_name, body.bio))


@me_router.get("/sessions", summary="List my sessions")
async def list_sessions(user: CurrentUser, accounts: Accounts) -> SessionList:
    """Every live session of the account, with where and when it was used; `current`
    marks the one making this request."""
    sessions = await accounts.sessions(user)
    return SessionList(
        items=[
            SessionInfo(
                id=session.id,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                expires_at=session.expires_at,
                ip=session.ip,
                user_agent=session.user_agent,
                current=session.id == user.session_id,
            )
            for session in sessions
        ]
    )


@me_router.delete(
    "/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, summary="End a session"
)
async def end_session(user: CurrentUser, session_id: uuid.UUID, accounts: Accounts) -> None:
    """Log one of the caller's sessions out, e.g. on a lost device. Another account's
    session is a 404."""
    await accounts.end_session(user, session_id)


@me_router.post(
    "/email-change",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[PASSWORD_GUESSES_BY_CALLER],
    summary="Ask to change my email address",
    responses=errors(
        429,
        notes={
            403: INVALID_CREDENTIALS_NOTE,
            422: "The request is not valid, e.g. the new address is the current one "
            "(`same_email`); `details` names each field.",
            429: RATE_LIMITED_PER_USER,
        },
    ),
)
async def request_email_change(
    user: CurrentUser, body: EmailChangeRequest, accounts: Accounts
) -> Accepted:
    """Mail a confirmation link (`/confirm-email#token=...`) to the new address and a
    notice to the current one. The address changes only when the link is used:
    `POST /me/email-change/confirm`. Needs the current password."""
    await accounts.request_email_change(user, body.new_email, body.current_password)
    return Accepted(message="We have sent a confirmation link to the new address.")


@me_router.post(
    "/email-change/confirm",
    dependencies=[TOKEN_EXCHANGE],
    summary="Confirm a new email address",
    responses=errors(
        400,
        404,
        409,
        notes={
            **TOKEN_NOTES,
            409: "The new address now belongs to another account (`email_taken`).",
        },
    ),
)
async def confirm_email_change(
    _: PublicRoute, caller: MaybeUser, body: TokenRequest, accounts: Accounts
) -> Me:
    """Switch the account to the new address with the token mailed to it, and answer
    the account. No login is needed: the link is the proof.

    Every other session of the account ends. A link from before the last password
    change does not work."""
    return me_of(await accounts.confirm_email_change(body.token, caller))
