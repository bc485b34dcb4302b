"""The account flows: signup, verification, login, magic links, resets, changes, sessions.

Each flow writes its rows, audit events and outbox mail in one transaction. Flows
that name an email address do the same work, and answer the same, whether or not
an account has it (no enumeration, C07).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository
from app.accounts.models import TokenPurpose, User, UserSession
from app.accounts.passwords import PasswordHashing, check_password_policy
from app.accounts.sessions import AuthenticatedUser, start_session
from app.accounts.tokens import (
    TOKEN_LIFETIMES,
    InvalidToken,
    consume_token,
    issue_token,
    password_stamp,
    peek_token,
    void_all_tokens,
    void_tokens,
)
from app.audit.service import record_event
from app.core.clock import now
from app.core.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from app.core.request_meta import RequestMeta
from app.core.settings import Settings
from app.mail.caps import MailCaps
from app.mail.service import enqueue_mail


class PasswordRejected(AppError):
    """A password given to prove who one is was wrong: such guesses are rate limited."""


class InvalidCredentials(PasswordRejected):
    status_code = 401
    code = "invalid_credentials"
    message = "The email or password is not correct."


class EmailNotVerified(Forbidden):
    code = "email_not_verified"
    message = "Confirm your email address first: we have sent you a new link."
    LINK_ALREADY_SENT = (
        "Confirm your email address first: the link we sent a few minutes ago is in your"
        " inbox (a new one can be sent every five minutes)."
    )


class WrongCurrentPassword(PasswordRejected):
    status_code = 403
    code = "invalid_credentials"
    message = "The current password is not correct."


@dataclass(frozen=True)
class Verified:
    user: User
    password_kept: bool  # False: the link was opened outside the browser that signed up


@dataclass(frozen=True)
class NewSession:
    user: User
    token: str
    session: UserSession


class AccountService:
    def __init__(
        self,
        db: AsyncSession,
        settings: Settings,
        passwords: PasswordHashing,
        meta: RequestMeta,
        mail_caps: MailCaps,
    ) -> None:
        self.db = db
        self.settings = settings
        self.passwords = passwords
        self.meta = meta
        self.mail_caps = mail_caps

    # -- links and tokens -------------------------------------------------------------

    def _link(self, page: str, token: str) -> str:
        """Mail links use the configured public URL, never the request's Host (C20)."""
        return f"{self.settings.public_url}/{page}#token={token}"

    async def _issue(self, user: User, purpose: TokenPurpose, **data: str) -> str:
        return await issue_token(
            self.db, self.settings.signing_key(), user_id=user.id, purpose=purpose, data=data
        )

    async def _mail_token_link(
        self, email: str, purpose: TokenPurpose, *, template: str, page: str, action: str
    ) -> None:
        """Mail the account of `email`, if there is one, a link to `page` with a new
        `purpose` token; an unknown address gets nothing, and the caller cannot tell."""
        await self.mail_caps.before_mailing(email)
        user = await repository.user_by_email(self.db, email)
        if user is not None:
            token = await self._issue(user, purpose)
            minutes = int(TOKEN_LIFETIMES[purpose].total_seconds() // 60)
            await enqueue_mail(
                self.db,
                template=template,
                to=user.email,
                context={"link": self._link(page, token), "minutes": minutes},
            )
            record_event(self.db, action, self.meta, target_user_id=user.id)
        await self.db.commit()

    async def _user_of(self, user_id: uuid.UUID) -> User:
        user = await repository.user_by_id(self.db, user_id)
        if user is None:  # the account was deleted after the token was mailed
            raise NotFound()
        return user

    # -- signup and verification ------------------------------------------------------

    async def signup(self, email: str, password: str, display_name: str) -> str:
        """Returns the signup-browser proof for a cookie (made whether or not the
        address was free, so the answer does not tell)."""
        check_password_policy(password, email=email)
        await self.mail_caps.before_mailing(email)
        browser_proof = secrets.token_urlsafe(32)
        password_hash = await self.passwords.hash(password)  # both paths pay for it
        existing = await repository.user_by_email(self.db, email)
        if existing is not None:
            await self._tell_owner_of_signup_attempt(existing)
            return browser_proof
        user = User(
            id=uuid.uuid4(), email=email, password_hash=password_hash, display_name=display_name
        )
        self.db.add(user)
        await self.db.flush()
        await self._send_verification(user, browser_proof)
        await self.mail_caps.verification_sent(user.id)
        record_event(self.db, "account.signup", self.meta, actor_user_id=user.id)
        try:
            await self.db.commit()
        except IntegrityError:  # a concurrent signup took the address first
            await self.db.rollback()
        return browser_proof

    async def _tell_owner_of_signup_attempt(self, owner: User) -> None:
        await enqueue_mail(
            self.db,
            template="account_exists",
            to=owner.email,
            context={
                "login_link": f"{self.settings.public_url}/login",
                "reset_link": f"{self.settings.public_url}/reset-password",
            },
        )
        record_event(self.db, "account.signup_for_existing", self.meta, target_user_id=owner.id)
        await self.db.commit()

    async def _send_verification(self, user: User, browser_proof: str | None) -> None:
        """The link keeps the password only when opened in the browser holding the proof:
        the signup's, or that of a login which gave the right password."""
        data = {"browser": _digest(browser_proof)} if browser_proof else {}
        token = await self._issue(user, TokenPurpose.VERIFY_EMAIL, **data)
        await enqueue_mail(
            self.db,
            template="verify_email",
            to=user.email,
            context={"link": self._link("verify-email", token)},
        )

    async def verify_email(self, token: str, browser_proof: str | None) -> Verified:
        """Confirms the address. Opened outside the browser that signed up, the link may
        be in the hands of the mailbox owner while someone else chose the password (a
        pre-hijacked account): that password is discarded, the owner sets one by reset."""
        record = await consume_token(
            self.db, self.settings.signing_key(), token, TokenPurpose.VERIFY_EMAIL
        )
        user = await self._user_of(record.user_id)
        password_kept = True
        if user.email_verified_at is None:
            user.email_verified_at = now()
            if not _same_browser(record.data.get("browser"), browser_proof):
                user.password_hash = await self.passwords.hash(secrets.token_urlsafe(32))
                password_kept = False
        record_event(
            self.db, "account.email_verified", self.meta, actor_user_id=user.id,
            details={"password_kept": password_kept},
        )  # fmt: skip
        await self.db.commit()
        return Verified(user=user, password_kept=password_kept)

    # -- login ------------------------------------------------------------------------

    async def login(
        self, email: str, password: str, browser_proof: str | None = None
    ) -> NewSession:
        user = await repository.user_by_email(self.db, email)
        if user is None:
            await self.passwords.verify_nothing(password)
            await self._record_failed_login(None)
            raise InvalidCredentials()
        if not await self.passwords.verify(user.password_hash, password):
            await self._record_failed_login(user.id)
            raise InvalidCredentials()
        if user.email_verified_at is None:
            if not await self.mail_caps.may_resend_verification(user.id, user.email):
                raise EmailNotVerified(EmailNotVerified.LINK_ALREADY_SENT)
            await self._send_verification(user, browser_proof)
            await self.db.commit()
            raise EmailNotVerified()
        if self.passwords.needs_rehash(user.password_hash):
            user.password_hash = await self.passwords.hash(password)
        return await self.open_session(user, "account.login")

    async def _record_failed_login(self, user_id: uuid.UUID | None) -> None:
        record_event(self.db, "account.login_failed", self.meta, target_user_id=user_id)
        await self.db.commit()

    async def open_session(self, user: User, action: str) -> NewSession:
        token, session = start_session(self.db, self.settings, user.id, self.meta)
        record_event(self.db, action, self.meta, actor_user_id=user.id, target_id=str(session.id))
        await self.db.commit()
        return NewSession(user=user, token=token, session=session)

    # -- accounts made for invitations -------------------------------------------------

    async def email_is_taken(self, email: str) -> bool:
        return await repository.email_is_taken(self.db, email)

    async def create_invited_account(self, email: str, password: str, display_name: str) -> User:
        """A verified account (the invite mail proved the address); the caller commits."""
        check_password_policy(password, email=email)
        user = User(
            id=uuid.uuid4(),
            email=email,
            password_hash=await self.passwords.hash(password),
            display_name=display_name,
            email_verified_at=now(),
        )
        self.db.add(user)
        await self.db.flush()
        return user

    # -- magic links ------------------------------------------------------------------

    async def request_magic_link(self, email: str) -> None:
        await self._mail_token_link(
            email,
            TokenPurpose.MAGIC_LINK,
            template="magic_link",
            page="magic-link",
            action="account.magic_link_requested",
        )

    async def consume_magic_link(self, token: str) -> NewSession:
        record = await consume_token(
            self.db, self.settings.signing_key(), token, TokenPurpose.MAGIC_LINK
        )
        user = await self._user_of(record.user_id)
        if user.email_verified_at is None:
            # The mailbox owner proves themself for the first time. A password set by
            # whoever signed up with this address before them must not survive that.
            user.email_verified_at = now()
            user.password_hash = await self.passwords.hash(secrets.token_urlsafe(32))
        return await self.open_session(user, "account.login_magic_link")

    # -- password reset and change ----------------------------------------------------

    async def request_password_reset(self, email: str) -> None:
        await self._mail_token_link(
            email,
            TokenPurpose.PASSWORD_RESET,
            template="password_reset",
            page="reset-password",
            action="account.reset_requested",
        )

    async def confirm_password_reset(self, token: str, new_password: str) -> None:
        key = self.settings.signing_key()
        pending = await peek_token(self.db, key, token, TokenPurpose.PASSWORD_RESET)
        user = await self._user_of(pending.user_id)
        check_password_policy(new_password, email=user.email)  # a weak choice keeps the token
        new_hash = await self.passwords.hash(new_password)
        await consume_token(self.db, key, token, TokenPurpose.PASSWORD_RESET)
        if user.email_verified_at is None:
            user.email_verified_at = now()
        await self._set_password(user, new_hash, keep_session=None)
        record_event(self.db, "account.password_reset", self.meta, target_user_id=user.id)
        await self.db.commit()

    async def change_password(
        self, caller: AuthenticatedUser, current_password: str, new_password: str
    ) -> None:
        user = await self._user_of(caller.id)
        if not await self.passwords.verify(user.password_hash, current_password):
            record_event(
                self.db, "account.password_change_failed", self.meta, actor_user_id=user.id
            )
            await self.db.commit()
            raise WrongCurrentPassword()
        check_password_policy(new_password, email=user.email)
        new_hash = await self.passwords.hash(new_password)
        await self._set_password(user, new_hash, keep_session=caller.session_id)
        record_event(self.db, "account.password_changed", self.meta, actor_user_id=user.id)
        await self.db.commit()

    async def _set_password(
        self, user: User, new_hash: str, *, keep_session: uuid.UUID | None
    ) -> None:
        """New hash; every other session ends; no mailed token issued before works any more.

        That includes a pending email change: whoever asked for it may be the intruder
        the owner is locking out (issue 10).
        """
        user.password_hash = new_hash
        user.password_changed_at = now()
        await repository.delete_sessions_of_user(self.db, user.id, except_session=keep_session)
        await void_all_tokens(self.db, user.id)
        await enqueue_mail(
            self.db,
            template="password_changed",
            to=user.email,
            context={"display_name": user.display_name},
        )

    # -- email change -----------------------------------------------------------------

    async def request_email_change(
        self, caller: AuthenticatedUser, new_email: str, current_password: str
    ) -> None:
        user = await self._user_of(caller.id)
        if not await self.passwords.verify(user.password_hash, current_password):
            raise WrongCurrentPassword()
        if new_email == user.email:
            raise Invalid("That is already your address.", code="same_email")
        await self.mail_caps.before_request_by("email_change_user", user.id)
        await self.mail_caps.before_mailing(new_email)
        if not await repository.email_is_taken(self.db, new_email):
            token = await self._issue(
                user,
                TokenPurpose.EMAIL_CHANGE,
                new_email=new_email,
                password_changed_at=password_stamp(user.password_changed_at),
            )
            await enqueue_mail(
                self.db,
                template="email_change_confirm",
                to=new_email,
                context={"link": self._link("confirm-email", token)},
            )
        await enqueue_mail(
            self.db,
            template="email_change_notice",
            to=user.email,
            context={"display_name": user.display_name, "new_email": new_email},
        )
        record_event(self.db, "account.email_change_requested", self.meta, actor_user_id=user.id)
        await self.db.commit()

    async def confirm_email_change(self, token: str, caller: AuthenticatedUser | None) -> User:
        record = await consume_token(
            self.db, self.settings.signing_key(), token, TokenPurpose.EMAIL_CHANGE
        )
        user = await self._user_of(record.user_id)
        if record.data.get("password_changed_at") != password_stamp(user.password_changed_at):
            raise InvalidToken()  # the password changed since the request: void (issue 10)
        new_email = str(record.data["new_email"])
        if await repository.email_is_taken(self.db, new_email):
            raise Conflict("That address now belongs to another account.", code="email_taken")
        user.email = new_email
        user.email_verified_at = now()
        keep = caller.session_id if caller is not None and caller.id == user.id else None
        await repository.delete_sessions_of_user(self.db, user.id, except_session=keep)
        await void_tokens(self.db, user.id, TokenPurpose.PASSWORD_RESET)
        await void_tokens(self.db, user.id, TokenPurpose.MAGIC_LINK)
        record_event(self.db, "account.email_changed", self.meta, actor_user_id=user.id)
        await self.db.commit()
        return user

    # -- sessions and profile ---------------------------------------------------------

    async def logout(self, caller: AuthenticatedUser) -> None:
        await repository.delete_session(self.db, caller.session_id)
        record_event(
            self.db,
            "account.logout",
            self.meta,
            actor_user_id=caller.id,
            target_id=str(caller.session_id),
        )
        await self.db.commit()

    async def logout_everywhere(self, caller: AuthenticatedUser) -> None:
        ended = await repository.delete_sessions_of_user(self.db, caller.id)
        await void_all_tokens(self.db, caller.id)  # a pending email change too (issue 10)
        record_event(
            self.db, "account.logout_all", self.meta, actor_user_id=caller.id,
            details={"sessions_ended": ended},
        )  # fmt: skip
        await self.db.commit()

    async def sessions(self, caller: AuthenticatedUser) -> list[UserSession]:
        return await repository.sessions_of(self.db, caller.id)

    async def end_session(self, caller: AuthenticatedUser, session_id: uuid.UUID) -> None:
        if not await repository.delete_session_of_user(self.db, caller.id, session_id):
            raise NotFound()
        record_event(
            self.db, "account.session_ended", self.meta, actor_user_id=caller.id,
            target_id=str(session_id),
        )  # fmt: skip
        await self.db.commit()

    async def profile(self, caller: AuthenticatedUser) -> User:
        return await self._user_of(caller.id)

    async def update_profile(
        self, caller: AuthenticatedUser, display_name: str | None, bio: str | None
    ) -> User:
        user = await self._user_of(caller.id)
        if display_name is not None:
            user.display_name = display_name
        if bio is not None:
            user.bio = bio
        await self.db.commit()
        return user


async def user_with_id(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The account with this id, or None: how other packages read an account."""
    return await repository.user_by_id(db, user_id)


async def verified_account(db: AsyncSession, email: str) -> tuple[uuid.UUID, bool]:
    """The account with `email`, or a new verified one (and True) that logs in by magic
    link or reset: for bootstrap commands, which run without the API."""
    user = await repository.user_by_email(db, email)
    if user is not None:
        return user.id, False
    unusable = PasswordHasher().hash(secrets.token_urlsafe(32))
    user = User(
        id=uuid.uuid4(),
        email=email,
        password_hash=unusable,
        display_name=email.split("@")[0],
        email_verified_at=now(),
    )
    db.add(user)
    await db.commit()
    return user.id, True


def _digest(browser_proof: str) -> str:
    return hashlib.sha256(browser_proof.encode()).hexdigest()


def _same_browser(expected_digest: object, browser_proof: str | None) -> bool:
    if not isinstance(expected_digest, str) or not browser_proof:
        return False
    return hmac.compare_digest(expected_digest, _digest(browser_proof))
