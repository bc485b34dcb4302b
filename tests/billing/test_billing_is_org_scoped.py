"""C10 for billing: an org's billing routes never reach another org's members."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from app.orgs.models import PaymentStatus
from tests.support.world import World
from tests.support.world_content import Callers, org_path, set_payment

pytestmark = pytest.mark.checklist("C10")


async def test_an_admin_asking_for_another_orgs_members_billing_gets_404(
    app: FastAPI, callers: Callers, world: World
) -> None:
    await set_payment(app, world, "other_org_member", PaymentStatus.ACTIVE)
    stranger = world.refs["other_org_member_user_id"]
    response = await callers("admin").get(f"{org_path(world)}/members/{stranger}/billing")
    assert response.status_code == 404
    assert "payment_status" not in response.text
