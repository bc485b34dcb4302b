"""Account events (logins, failures, resets, password changes, ended sessions) are recorded."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.support.accounts import Member, log_in, verified_member
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.checklist("C22")


async def actions(app: FastAPI) -> list[str]:
    async with app.state.database.sessionmaker() as db:
        query = select(AuditEvent.action).order_by(AuditEvent.created_at, AuditEvent.id)
        return list((await db.execute(query)).scalars())


@pytest.fixture
async def member(client: AsyncClient, smtp_sink: SmtpSink) -> Member:
    return await verified_member(client, smtp_sink, "eve@example.org")


async def test_logins_and_failures_are_recorded_with_ip_and_request_id(
    member: Member, client: AsyncClient, app: FastAPI
) -> None:
    await log_in(client, member.email, "wrong password!")
    await client.post(
        "/api/v1/auth/login",
        json={"email": member.email, "password": member.password},
        headers={"X-Request-ID": "login-req-1"},
    )
    recorded = await actions(app)
    assert "account.login_failed" in recorded
    async with app.state.database.sessionmaker() as db:
        login = (
            await db.execute(select(AuditEvent).where(AuditEvent.request_id == "login-req-1"))
        ).scalar_one()
    assert login.action == "account.login"
    assert login.ip == "127.0.0.1"


async def test_password_changes_and_ended_sessions_are_recorded(
    member: Member, client: AsyncClient, app: FastAPI
) -> None:
    await client.post(
        "/api/v1/auth/password-change",
        json={"current_password": member.password, "new_password": "brand new passphrase"},
    )
    await client.post("/api/v1/auth/logout-all")
    recorded = await actions(app)
    assert "account.password_changed" in recorded
    assert "account.logout_all" in recorded


async def test_no_password_ever_reaches_the_audit_log(
    member: Member, client: AsyncClient, app: FastAPI
) -> None:
    await log_in(client, member.email, "wrong password!")
    async with app.state.database.sessionmaker() as db:
        details = (await db.execute(select(AuditEvent.details))).scalars().all()
    assert member.password not in repr(details)
    assert "wrong password!" not in repr(details)
