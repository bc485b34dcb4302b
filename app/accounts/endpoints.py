"""HTTP routes of accounts (`/auth`) and of the caller's own account (`/me`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request, Response, status

from app.accounts.cookies import (
    clear_session_cookies,
    set_session_cookies,
    set_signup_browser_cookie,
    signup_browser_proof,
)
from app.accounts.models import User
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
from app.accounts.service import AccountService, NewSession, PasswordRejected
from app.authz.caller import MaybeUser
from app.authz.policies import CurrentUser, PublicRoute
from app.core.dependencies import AppSettings, DbSession, Meta
from app.core.json_body import api_router
from app.core.ratelimit import enforce_limit, limit_by_ip, login_failures, rate_limiter_of
from app.mail.caps import MailCaps

auth_router = api_router(prefix="/auth", tags=["accounts"])
me_router = api_router(prefix="/me", tags=["me"])

SIGNUP_ACCEPTED = Accepted(message="Check your inbox: we have sent a link to that address.")
LINK_ACCEPTED = Accepted(message="If an account uses that address, a link is on its way.")


async def account_service(
    request: Request, db: DbSession, settings: AppSettings, meta: Meta
) -> AccountService:
    mail_caps = MailCaps(rate_limiter_of(request))
    return AccountService(db, settings, request.app.state.passwords, meta, mail_caps)


Accounts = Annotated[AccountService, Depends(account_service)]


@asynccontextmanager
async def password_guesses_counted(request: Request, account: str) -> AsyncIterator[None]:
    """Refused while the account is throttled; a rejected password counts as a failure."""
    await login_failures.check(request, account)
    try:
        yield
    except PasswordRejected:
        await login_failures.record(request, account)
        raise


def limited(name: str) -> Any:
    """The route dependency counting each request against the IP-keyed limit `name`."""
    return Depends(limit_by_ip(name))


def me_of(user: User) -> Me:
    return Me(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        email_verified=user.email_verified_at is not None,
        bio=user.bio,
    )


def logged_in(response: Response, settings: AppSettings, new: NewSession) -> LoggedIn:
    csrf = set_session_cookies(response, settings, new.token)
    return LoggedIn(user=me_of(new.user), csrf_token=csrf)


@auth_router.post(
    "/signup", status_code=status.HTTP_202_ACCEPTED, dependencies=[limited("signup_ip")]
)
async def signup(
    _: PublicRoute,
    request: Request,
    body: SignupRequest,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> Accepted:
    await enforce_limit(request, "signup_account", body.email)
    proof = await accounts.signup(body.email, body.password, body.display_name)
    set_signup_browser_cookie(response, settings, proof)
    return SIGNUP_ACCEPTED


@auth_router.post("/verify-email", dependencies=[limited("token_exchange_ip")])
async def verify_email(
    _: PublicRoute, request: Request, body: TokenRequest, accounts: Accounts, settings: AppSettings
) -> Me:
    """Outside the browser that signed up, the password chosen there is discarded."""
    verified = await accounts.verify_email(body.token, signup_browser_proof(request, settings))
    return me_of(verified.user)


@auth_router.post("/login", dependencies=[limited("login_ip")])
async def login(
    _: PublicRoute,
    request: Request,
    body: LoginRequest,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> LoggedIn:
    """Wrong passwords slow an account down (per address first), see app.core.ratelimit."""
    async with password_guesses_counted(request, body.email):
        proof = signup_browser_proof(request, settings)
        new_session = await accounts.login(body.email, body.password, proof)
    await login_failures.forget(request, body.email)
    return logged_in(response, settings, new_session)


@auth_router.post(
    "/magic-link", status_code=status.HTTP_202_ACCEPTED, dependencies=[limited("magic_link_ip")]
)
async def request_magic_link(
    _: PublicRoute, request: Request, body: EmailRequest, accounts: Accounts
) -> Accepted:
    await enforce_limit(request, "magic_link_account", body.email)
    await accounts.request_magic_link(body.email)
    return LINK_ACCEPTED


@auth_router.post("/magic-link/consume", dependencies=[limited("token_exchange_ip")])
async def consume_magic_link(
    _: PublicRoute,
    body: TokenRequest,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> LoggedIn:
    return logged_in(response, settings, await accounts.consume_magic_link(body.token))


@auth_router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[limited("password_reset_ip")],
)
async def request_password_reset(
    _: PublicRoute, request: Request, body: EmailRequest, accounts: Accounts
) -> Accepted:
    await enforce_limit(request, "password_reset_account", body.email)
    await accounts.request_password_reset(body.email)
    return LINK_ACCEPTED


@auth_router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[limited("token_exchange_ip")],
)
async def confirm_password_reset(
    _: PublicRoute,
    body: PasswordResetConfirm,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> None:
    await accounts.confirm_password_reset(body.token, body.new_password)
    clear_session_cookies(response, settings)


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    _: PublicRoute,
    caller: MaybeUser,
    accounts: Accounts,
    response: Response,
    settings: AppSettings,
) -> None:
    """Ends the session on the server; with no live session it only clears the cookies."""
    if caller is not None:
        await accounts.logout(caller)
    clear_session_cookies(response, settings)


@auth_router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(
    user: CurrentUser, accounts: Accounts, response: Response, settings: AppSettings
) -> None:
    await accounts.logout_everywhere(user)
    clear_session_cookies(response, settings)


@auth_router.post("/password-change", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    user: CurrentUser, request: Request, body: PasswordChangeRequest, accounts: Accounts
) -> None:
    """Guessing the current password here counts like wrong passwords at login."""
    async with password_guesses_counted(request, user.email):
        await accounts.change_password(user, body.current_password, body.new_password)


@me_router.get("")
async def read_me(user: CurrentUser, accounts: Accounts) -> Me:
    return me_of(await accounts.profile(user))


@me_router.patch("")
async def update_me(user: CurrentUser, body: ProfileUpdate, accounts: Accounts) -> Me:
    return me_of(await accounts.update_profile(user, body.display_name, body.bio))


@me_router.get("/sessions")
async def list_sessions(user: CurrentUser, accounts: Accounts) -> SessionList:
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


@me_router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def end_session(user: CurrentUser, session_id: uuid.UUID, accounts: Accounts) -> None:
    await accounts.end_session(user, session_id)


@me_router.post("/email-change", status_code=status.HTTP_202_ACCEPTED)
async def request_email_change(
    user: CurrentUser, request: Request, body: EmailChangeRequest, accounts: Accounts
) -> Accepted:
    async with password_guesses_counted(request, user.email):
        await accounts.request_email_change(user, body.new_email, body.current_password)
    return Accepted(message="We have sent a confirmation link to the new address.")


@me_router.post("/email-change/confirm", dependencies=[limited("token_exchange_ip")])
async def confirm_email_change(
    _: PublicRoute, caller: MaybeUser, body: TokenRequest, accounts: Accounts
) -> Me:
    return me_of(await accounts.confirm_email_change(body.token, caller))
