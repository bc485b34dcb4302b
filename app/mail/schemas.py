"""Bodies of the unsubscribe routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.core.schemas import RequestBody, examples

MAX_TOKEN_LENGTH = 512


class UnsubscribeRequest(RequestBody):
    """The token from the unsubscribe link (`/unsubscribe#token=<this>`)."""

    model_config = examples({"token": "the-token-after-token=-in-the-footer-link"})

    token: str = Field(min_length=1, max_length=MAX_TOKEN_LENGTH)


class UnsubscribeResult(BaseModel):
    unsubscribed: bool
    category: str
