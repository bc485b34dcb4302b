"""Org creation, its switch, and the security events the org's audit log keeps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import PUBLIC_URL
from tests.orgs.conftest import OrgWithOwner, join_as
from tests.support.accounts import verified_member
from tests.support.orgs import invite
from tests.support.smtp_sink import SmtpSink


async def test_the_creator_becomes_owner(org: OrgWithOwner) -> None:
    orgs = (await org.owner_client.get("/api/v1/me/orgs")).json()["items"]
    assert [(o["id"], o["role"]) for o in orgs] == [(org.org_id, "owner")]


async def test_a_taken_slug_is_a_conflict(org: OrgWithOwner) -> None:
    response = await org.owner_client.post("/api/v1/orgs", json={"name": "Again", "slug": "circle"})
    assert response.status_code == 409


@pytest.mark.parametrize("slug", ["Has Caps", "-leading", "trailing-", "", "a" * 65, "under_score"])
async def test_a_malformed_slug_is_refused(org: OrgWithOwner, slug: str) -> None:
    response = await org.owner_client.post("/api/v1/orgs", json={"name": "N", "slug": slug})
    assert response.status_code == 422


@pytest.fixture
async def closed_app(settings: Settings, app: FastAPI) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"allow_org_creation": False}))
    async with application.router.lifespan_context(application):
        yield application


@pytest.mark.checklist("C12")
async def test_org_creation_can_be_switched_off(closed_app: FastAPI, smtp_sink: SmtpSink) -> None:
    async with AsyncClient(transport=ASGITransport(app=closed_app), base_url=PUBLIC_URL) as client:
        await verified_member(client, smtp_sink, "founder@example.org")
        response = await client.post("/api/v1/orgs", json={"name": "N", "slug": "n"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "org_creation_disabled"


async def audit_actions(org: OrgWithOwner) -> list[str]:
    response = await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/audit-log?limit=100")
    return [event["action"] for event in response.json()["items"]]


async def test_the_audit_log_keeps_invites_roles_removals_and_transfers(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    revoked = await invite(org.owner_client, org.org_id, "never@example.org")
    await org.owner_client.delete(f"/api/v1/orgs/{org.org_id}/invites/{revoked['id']}")
    first = await join_as(org, new_client(), smtp_sink, "first@example.org")
    second = await join_as(org, new_client(), smtp_sink, "second@example.org")
    base = f"/api/v1/orgs/{org.org_id}"
    await org.owner_client.patch(f"{base}/members/{first.user_id}", json={"role": "moderator"})
    await org.owner_client.delete(f"{base}/members/{second.user_id}")
    await org.owner_client.post(f"{base}/transfer-ownership", json={"user_id": first.user_id})
    recorded = set(await audit_actions(org))
    assert {
        "org.created",
        "invite.created",
        "invite.revoked",
        "invite.accepted",
        "member.role_changed",
        "member.removed",
        "org.ownership_transferred",
    } <= recorded


async def test_audit_events_name_actor_target_time_ip_and_request(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    member = await join_as(org, new_client(), smtp_sink, "m@example.org")
    await org.owner_client.patch(
        f"/api/v1/orgs/{org.org_id}/members/{member.user_id}",
        json={"role": "moderator"},
        headers={"X-Request-ID": "role-change-1"},
    )
    events = (await org.owner_client.get(f"/api/v1/orgs/{org.org_id}/audit-log")).json()["items"]
    change = next(e for e in events if e["action"] == "member.role_changed")
    assert change["actor_user_id"] == org.owner.user_id
    assert change["target_user_id"] == member.user_id
    assert change["request_id"] == "role-change-1"
    assert change["ip"] == "127.0.0.1"
    assert change["created_at"]
    assert change["details"] == {"from": "member", "to": "moderator"}


async def test_the_audit_log_is_newest_first_and_paged(
    org: OrgWithOwner, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    for index in range(3):
        await invite(org.owner_client, org.org_id, f"p{index}@example.org")
    base = f"/api/v1/orgs/{org.org_id}/audit-log"
    first = (await org.owner_client.get(f"{base}?limit=2")).json()
    second = (
        await org.owner_client.get(base, params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    times = [e["created_at"] for e in first["items"] + second["items"]]
    assert times == sorted(times, reverse=True)
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 4


async def test_there_is_no_route_that_changes_or_deletes_audit_events(app: FastAPI) -> None:
    from app.authz.policies import api_routes

    audit_routes = [r for r in api_routes(app) if "audit" in r.path]
    assert {m for r in audit_routes for m in r.methods} == {"GET"}
