"""Orgs, their memberships (with roles and payment status) and invites."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base, UUIDPrimaryKey


class PaymentStatus(StrEnum):
    """A membership's payment, as the payment provider's events last said it (app.billing)."""

    NONE = "none"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"


PAID_ACCESS = frozenset({PaymentStatus.TRIALING, PaymentStatus.ACTIVE})


def grants_paid_access(payment_status: str) -> bool:
    """Paid spaces open while a subscription is active or in its trial, and for no other
    status."""
    return payment_status in PAID_ACCESS


class Org(UUIDPrimaryKey, Base):
    __tablename__ = "orgs"

    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Membership(UUIDPrimaryKey, Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id"),
        Index("ix_memberships_user_id", "user_id"),
        Index("ix_memberships_org_joined", "org_id", "joined_at", "id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    payment_status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.NONE)
    payment_updated_at: Mapped[datetime | None]
    joined_at: Mapped[datetime] = mapped_column(default=now)


class Invite(UUIDPrimaryKey, Base):
    __tablename__ = "invites"
    __table_args__ = (Index("ix_invites_org_created", "org_id", "created_at", "id"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    space_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    invited_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[uuid.UUID | None]
    revoked_at: Mapped[datetime | None]
