"""C08 on org routes: a state change authenticated by the session cookie without the
session's X-CSRF-Token header is refused with 403 csrf_failed and changes nothing.

The org routes authenticate through their own policy (app.authz.org_context), not the
caller dependency the /me routes use, so they need a CSRF check of their own (issue 12).
"""

from __future__ import annotations

import pytest
from httpx import AsyncClient, Response

from tests.orgs.conftest import OrgWithOwner
from tests.support.orgs import invite

pytestmark = pytest.mark.checklist("C08")


def without_csrf_header(client: AsyncClient) -> str:
    """Drops the header the login helper set, and returns it for putting it back."""
    return client.headers.pop("X-CSRF-Token")


def assert_csrf_refusal(response: Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "csrf_failed"


async def test_renaming_an_org_without_the_csrf_header_is_refused(org: OrgWithOwner) -> None:
    without_csrf_header(org.owner_client)
    url = f"/api/v1/orgs/{org.org_id}"

    assert_csrf_refusal(await org.owner_client.patch(url, json={"name": "Hijacked"}))
    assert (await org.owner_client.get(url)).json()["name"] == "Coaching Circle"


async def test_inviting_without_the_csrf_header_is_refused(org: OrgWithOwner) -> None:
    without_csrf_header(org.owner_client)
    url = f"/api/v1/orgs/{org.org_id}/invites"

    assert_csrf_refusal(
        await org.owner_client.post(url, json={"email": "eve@example.org", "role": "admin"})
    )
    assert (await org.owner_client.get(url)).json()["items"] == []


async def test_revoking_an_invite_without_the_csrf_header_is_refused(org: OrgWithOwner) -> None:
    pending = await invite(org.owner_client, org.org_id, "ines@example.org")
    without_csrf_header(org.owner_client)
    url = f"/api/v1/orgs/{org.org_id}/invites"

    assert_csrf_refusal(await org.owner_client.delete(f"{url}/{pending['id']}"))
    listed = (await org.owner_client.get(url)).json()["items"]
    assert [item["id"] for item in listed] == [pending["id"]]


async def test_the_same_org_request_with_the_csrf_header_passes(org: OrgWithOwner) -> None:
    """The refusals above are the missing header's doing, not something else in the request."""
    token = without_csrf_header(org.owner_client)
    url = f"/api/v1/orgs/{org.org_id}"

    response = await org.owner_client.patch(
        url, json={"name": "Renamed"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
