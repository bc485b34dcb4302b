"""Test helpers that drive the account flows through HTTP, as a client would."""

from __future__ import annotations

import re
from dataclasses import dataclass

from httpx import AsyncClient, Response

from tests.support.smtp_sink import ReceivedMail, SmtpSink

DEFAULT_PASSWORD = "a long enough passphrase"
_TOKEN_IN_LINK = re.compile(r"/(?P<page>[a-z-]+)#token=(?P<token>[A-Za-z0-9._~-]+)")


def link_token(mail: ReceivedMail, page: str) -> str:
    """The token of the `{PUBLIC_URL}/{page}#token=...` link in a mail's text."""
    for match in _TOKEN_IN_LINK.finditer(mail.text()):
        if match.group("page") == page:
            return match.group("token")
    raise AssertionError(f"no /{page}#token= link in: {mail.text()!r}")


async def mailed_token(sink: SmtpSink, address: str, page: str) -> str:
    mail = await sink.wait_for(
        lambda m: (
            address.lower() in (a.lower() for a in m.envelope_to) and f"/{page}#token=" in m.text()
        )
    )
    return link_token(mail, page)


@dataclass
class Member:
    email: str
    password: str
    csrf: str
    user_id: str


async def sign_up(
    client: AsyncClient, email: str, password: str = DEFAULT_PASSWORD, name: str = "Member"
) -> Response:
    return await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": password, "display_name": name}
    )


async def log_in(client: AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> Response:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    if response.status_code == 200:
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return response


async def verified_member(
    client: AsyncClient,
    sink: SmtpSink,
    email: str,
    password: str = DEFAULT_PASSWORD,
    name: str = "Member",
) -> Member:
    """A signed-up, verified and logged-in member on `client`."""
    assert (await sign_up(client, email, password, name)).status_code == 202
    token = await mailed_token(sink, email, "verify-email")
    assert (
        await client.post("/api/v1/auth/verify-email", json={"token": token})
    ).status_code == 200
    response = await log_in(client, email, password)
    assert response.status_code == 200, response.text
    body = response.json()
    return Member(
        email=email, password=password, csrf=body["csrf_token"], user_id=body["user"]["id"]
    )
