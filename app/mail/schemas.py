"""Bodies of the unsubscribe routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.core.schemas import RequestBody

MAX_TOKEN_LENGTH = 512


class UnsubscribeRequest(RequestBody):
    token: str = Field(min_length=1, max_length=MAX_TOKEN_LENGTH)


class UnsubscribeResult(BaseModel):
    unsubscribed: bool
    category: str
