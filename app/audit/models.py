"""The append-only record of security events: account events and org events alike."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base, UUIDPrimaryKey


class AuditEvent(UUIDPrimaryKey, Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_created", "org_id", "created_at"),
        Index("ix_audit_events_actor", "actor_user_id"),
    )

    org_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(64))
    actor_user_id: Mapped[uuid.UUID | None]
    target_user_id: Mapped[uuid.UUID | None]
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(45), default="")
    request_id: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=now)
