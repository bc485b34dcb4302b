"""Request and response bodies of the accounts routes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from app.core.schemas import (
    Bio,
    DisplayName,
    NewPassword,
    NormalizedEmail,
    Password,
    RequestBody,
    Token,
    examples,
)

FROM_THE_LINK = "the-token-after-token=-in-the-mailed-link"


class SignupRequest(RequestBody):
    model_config = examples(
        {
            "email": "ada@example.com",
            "password": "correct horse battery staple",
            "display_name": "Ada Lovelace",
        }
    )

    email: NormalizedEmail
    password: NewPassword
    display_name: DisplayName


class LoginRequest(RequestBody):
    model_config = examples(
        {"email": "ada@example.com", "password": "correct horse battery staple"}
    )

    email: NormalizedEmail
    password: Password


class EmailRequest(RequestBody):
    model_config = examples({"email": "ada@example.com"})

    email: NormalizedEmail


class TokenRequest(RequestBody):
    """The token from the fragment of a mailed link (`...#token=<this>`)."""

    model_config = examples({"token": FROM_THE_LINK})

    token: Token


class PasswordResetConfirm(RequestBody):
    model_config = examples({"token": FROM_THE_LINK, "new_password": "a new long passphrase"})

    token: Token
    new_password: NewPassword


class PasswordChangeRequest(RequestBody):
    model_config = examples(
        {
            "current_password": "correct horse battery staple",
            "new_password": "a new long passphrase",
        }
    )

    current_password: Password
    new_password: NewPassword


class EmailChangeRequest(RequestBody):
    model_config = examples(
        {
            "new_email": "ada@new.example.com",
            "current_password": "correct horse battery staple",
        }
    )

    new_email: NormalizedEmail
    current_password: Password


class ProfileUpdate(RequestBody):
    """Only the fields sent change."""

    model_config = examples({"display_name": "Ada L.", "bio": "Writes about engines."})

    display_name: DisplayName | None = None
    bio: Bio | None = None


class Accepted(BaseModel):
    status: str = "accepted"
    message: str


class Me(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    email_verified: bool
    bio: str = ""


class LoggedIn(BaseModel):
    user: Me
    csrf_token: str


class SessionInfo(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str
    user_agent: str
    current: bool


class SessionList(BaseModel):
    items: list[SessionInfo]
    next_cursor: str | None = None
