"""Unsubscribe tokens: signed, per user and category, valid for this purpose only.

They never expire: a notification mail read a year later must still let its reader
stop them. Changing SECRET_KEY invalidates the links in mail already sent.
"""

from __future__ import annotations

import uuid

from itsdangerous import BadData, URLSafeSerializer

from app.core.errors import BadRequest
from app.core.logging import remember_secret

_SALT = "roundtable.mail.unsubscribe"


class InvalidUnsubscribeToken(BadRequest):
    code = "invalid_token"
    message = "This unsubscribe link is not valid."


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def unsubscribe_token(secret: str, user_id: uuid.UUID, category: str) -> str:
    token = _serializer(secret).dumps([user_id.hex, category])
    remember_secret(token)  # mailed, never logged
    return token


def read_unsubscribe_token(secret: str, token: str) -> tuple[uuid.UUID, str]:
    """The user and category a token names; raises InvalidUnsubscribeToken otherwise."""
    try:
        payload = _serializer(secret).loads(token)
        user_hex, category = payload
        return uuid.UUID(hex=user_hex), str(category)
    except (BadData, ValueError, TypeError) as exc:
        raise InvalidUnsubscribeToken() from exc
