"""Recording security events. Rows are only ever added, never changed or deleted."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.core.request_id import current_request_id
from app.core.request_meta import RequestMeta


def record_event(
    db: AsyncSession,
    action: str,
    meta: RequestMeta,
    *,
    actor_user_id: uuid.UUID | None = None,
    target_user_id: uuid.UUID | None = None,
    org_id: uuid.UUID | None = None,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an event to the caller's transaction; it commits (or rolls back) with the action."""
    db.add(
        AuditEvent(
            org_id=org_id,
            action=action,
            actor_user_id=actor_user_id,
            target_user_id=target_user_id,
            target_id=target_id,
            ip=meta.ip,
            request_id=current_request_id(),
            details=details or {},
        )
    )
