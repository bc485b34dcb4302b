"""What a route tells the OpenAPI document beyond its signature: its further error statuses.

app.openapi derives most error statuses of an operation from its route policy, method
and shape (401 behind a login, 413 and 415 with a body, 429 behind an IP limit, 503
when it reads the database). A route names the others in `responses=`:

    @router.post("/verify-email", summary="...", responses=errors(400, notes=TOKEN_NOTES))

A note replaces that status's general description for the one route.

A create route that may find the item made already answers 201 or 200: `existing`
documents the 200 and `created_or_existing` sets the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Response, status

Responses = dict[int | str, dict[str, Any]]

BAD_LINK_NOTE = (
    "The token is not valid: malformed, expired, already used or made for another "
    "purpose (`invalid_token`). Ask for a new link."
)
TOKEN_NOTES: Mapping[int, str] = {400: BAD_LINK_NOTE}
RATE_LIMITED_PER_USER = (
    "Too many of these requests from this member; retry after `Retry-After` seconds."
)


def errors(*statuses: int, notes: Mapping[int, str] | None = None) -> Responses:
    """The further error statuses a route answers, and a note for any status (one derived
    for the route too) whose general description would say too little."""
    notes = notes or {}
    return {
        status: {"description": notes[status]} if status in notes else {}
        for status in sorted({*statuses, *notes})
    }


def existing(model: type, description: str) -> Responses:
    """The 200 of a create route that answers the existing item instead of a new one."""
    return {200: {"model": model, "description": description}}


def created_or_existing(response: Response, created: bool) -> None:
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
