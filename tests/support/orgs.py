"""Test helpers for orgs through HTTP."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient


async def create_org(
    client: AsyncClient, name: str = "Coaching Circle", slug: str = "circle"
) -> str:
    response = await client.post("/api/v1/orgs", json={"name": name, "slug": slug})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def invite(
    client: AsyncClient, org_id: str, email: str, role: str = "member", **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/orgs/{org_id}/invites", json={"email": email, "role": role, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
