"""Driving page forms through HTTP as a browser would: open the page, post its form."""

from __future__ import annotations

import re

from httpx import AsyncClient, Response

from tests.conftest import PUBLIC_URL

_CSRF = re.compile(r'name="csrf_token" value="(?P<value>[^"]+)"')
SAME_ORIGIN = {"Origin": PUBLIC_URL}


async def form_csrf(client: AsyncClient, page: str) -> str:
    """The CSRF value the page's forms carry (opening the page sets its cookie)."""
    response = await client.get(page)
    assert response.status_code == 200, response.text
    match = _CSRF.search(response.text)
    assert match is not None, response.text
    return match.group("value")


async def submit(client: AsyncClient, page: str, action: str, fields: dict[str, str]) -> Response:
    """Open `page`, then post `fields` with its CSRF value to `action`, from this origin."""
    csrf = await form_csrf(client, page)
    return await client.post(action, data={"csrf_token": csrf, **fields}, headers=SAME_ORIGIN)
