"""Spaces of an org and who is in them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base, UUIDPrimaryKey


class Visibility(StrEnum):
    OPEN = "open"  # every org member
    PRIVATE = "private"  # its members only; invisible (404) to others
    PAID = "paid"  # listed to org members; content only with an active payment


class Space(UUIDPrimaryKey, Base):
    __tablename__ = "spaces"
    __table_args__ = (Index("ix_spaces_org_created", "org_id", "created_at", "id"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.OPEN)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=now)


class SpaceMembership(UUIDPrimaryKey, Base):
    __tablename__ = "space_memberships"
    __table_args__ = (
        UniqueConstraint("space_id", "user_id"),
        Index("ix_space_memberships_org_user", "org_id", "user_id"),
        Index("ix_space_memberships_space_added", "space_id", "added_at", "id"),
    )

    space_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(default=now)
