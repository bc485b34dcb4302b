"""Unsubscribing from notification mail: from the web page, and RFC 8058 one-click.

- `POST /unsubscribe` `{token}`: the page at `{PUBLIC_URL}/unsubscribe#token=...`
  (the link in the mail's footer) posts the token from its fragment.
- `POST /unsubscribe/one-click?token=...`: the URL of the `List-Unsubscribe` header.
  Mailbox providers POST `List-Unsubscribe=One-Click` to it (form-encoded or
  multipart); the token must be in the URL because the POST carries nothing else.
  The body is not needed and not parsed. The token only ever unsubscribes.
- `GET /unsubscribe/one-click?token=...`: a mail client without one-click opens the
  URL; it changes nothing and redirects to the page, which asks before it posts.

A bad token is answered with 400 `invalid_token`. The page route counts against the
`token_exchange_ip` limit; the one-click route does not, because its POSTs come from a
few mailbox providers' servers on behalf of all their users.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import RedirectResponse

from app.authz.policies import PublicRoute
from app.core.api_docs import TOKEN_NOTES, errors
from app.core.dependencies import AppSettings, DbSession
from app.core.json_body import api_router
from app.core.limits import rate_limit
from app.mail.schemas import MAX_TOKEN_LENGTH, UnsubscribeRequest, UnsubscribeResult
from app.mail.service import UNSUBSCRIBE_PAGE_PATH, unsubscribe
from app.mail.unsubscribe_tokens import read_unsubscribe_token

router = api_router(tags=["mail"])
TokenQuery = Annotated[str, Query(min_length=1, max_length=MAX_TOKEN_LENGTH)]


@router.post(
    "/unsubscribe",
    dependencies=[rate_limit("token_exchange_ip")],
    summary="Unsubscribe with a mail's token",
    responses=errors(400, notes=TOKEN_NOTES),
)
async def unsubscribe_from_page(
    body: UnsubscribeRequest, db: DbSession, settings: AppSettings, _: PublicRoute
) -> UnsubscribeResult:
    """Stop one kind of notification mail (`category`) for the address the mail went
    to. The token comes from the unsubscribe link in the mail's footer
    (`/unsubscribe#token=...`); no login is needed. Unsubscribing twice is fine."""
    done = await unsubscribe(db, settings, body.token)
    return UnsubscribeResult(unsubscribed=True, category=done.category)


@router.post(
    "/unsubscribe/one-click",
    summary="Unsubscribe in one click (RFC 8058)",
    responses=errors(400, notes=TOKEN_NOTES),
)
async def unsubscribe_one_click(
    token: TokenQuery, db: DbSession, settings: AppSettings, _: PublicRoute
) -> UnsubscribeResult:
    """The `List-Unsubscribe` URL of notification mail, which mailbox providers POST to
    when their user clicks "unsubscribe". The token is in the query string because the
    POST carries nothing else; any body is ignored, and the Origin is not checked."""
    done = await unsubscribe(db, settings, token)
    return UnsubscribeResult(unsubscribed=True, category=done.category)


@router.get(
    "/unsubscribe/one-click",
    status_code=303,
    summary="Open the unsubscribe page",
    response_description="To the unsubscribe page, which asks before it unsubscribes.",
    responses=errors(400, notes=TOKEN_NOTES),
)
async def open_unsubscribe_page(
    token: TokenQuery, settings: AppSettings, _: PublicRoute
) -> RedirectResponse:
    """A mail client without one-click opens the `List-Unsubscribe` URL: this changes
    nothing and redirects to the unsubscribe page with the token."""
    read_unsubscribe_token(settings.signing_key(), token)  # a bad link fails here, not later
    return RedirectResponse(
        f"{settings.public_url}{UNSUBSCRIBE_PAGE_PATH}#token={token}", status_code=303
    )
