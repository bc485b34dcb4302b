"""Request and response bodies of the accounts routes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from app.core.schemas import Bio, DisplayName, NormalizedEmail, Password, RequestBody, Token


class SignupRequest(RequestBody):
    email: NormalizedEmail
    password: Password
    display_name: DisplayName


class LoginRequest(RequestBody):
    email: NormalizedEmail
    password: Password


class EmailRequest(RequestBody):
    email: NormalizedEmail


class TokenRequest(RequestBody):
    token: Token


class PasswordResetConfirm(RequestBody):
    token: Token
    new_password: Password


class PasswordChangeRequest(RequestBody):
    current_password: Password
    new_password: Password


class EmailChangeRequest(RequestBody):
    new_email: NormalizedEmail
    current_password: Password


class ProfileUpdate(RequestBody):
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
