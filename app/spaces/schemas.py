"""Request and response bodies of spaces and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel

from app.authz.rules import SpaceAccess
from app.core.pagination import Page
from app.core.schemas import NoNulText, OneLineText, RequestBody, examples
from app.spaces.models import Visibility

MAX_SPACE_NAME_LENGTH = 120
MAX_SPACE_DESCRIPTION_LENGTH = 2000


SpaceName = Annotated[str, OneLineText(max_length=MAX_SPACE_NAME_LENGTH)]
SpaceDescription = Annotated[str, NoNulText(max_length=MAX_SPACE_DESCRIPTION_LENGTH)]


class SpaceCreate(RequestBody):
    model_config = examples(
        {
            "name": "Engines",
            "description": "Difference and analytical engines.",
            "visibility": "open",
        }
    )

    name: SpaceName
    description: SpaceDescription = ""
    visibility: Visibility = Visibility.OPEN


class SpaceUpdate(RequestBody):
    """Only the fields sent change."""

    model_config = examples({"description": "Engines of every kind.", "visibility": "private"})

    name: SpaceName | None = None
    description: SpaceDescription | None = None
    visibility: Visibility | None = None


class SpaceOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    visibility: Visibility
    created_at: datetime
    is_member: bool

    @property
    def access(self) -> SpaceAccess:
        return SpaceAccess(visibility=self.visibility, is_member=self.is_member)


class SpacePage(Page[SpaceOut]):
    pass


class SpaceMemberAdd(RequestBody):
    """A member of the org to put into the space."""

    model_config = examples({"user_id": "0b9e8d7c-6a5b-4c3d-8e2f-1a0b9c8d7e6f"})

    user_id: uuid.UUID


class SpaceMemberOut(BaseModel):
    id: uuid.UUID
    space_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    added_at: datetime


class SpaceMemberPage(Page[SpaceMemberOut]):
    pass
