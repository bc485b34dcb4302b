"""Request and response bodies of spaces and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, StringConstraints

from app.core.schemas import RequestBody, one_line, refuse_nul
from app.spaces.models import Visibility

MAX_SPACE_NAME_LENGTH = 120
MAX_SPACE_DESCRIPTION_LENGTH = 2000


SpaceName = Annotated[
    str, StringConstraints(max_length=MAX_SPACE_NAME_LENGTH), AfterValidator(one_line)
]
SpaceDescription = Annotated[
    str, StringConstraints(max_length=MAX_SPACE_DESCRIPTION_LENGTH), AfterValidator(refuse_nul)
]


class SpaceCreate(RequestBody):
    name: SpaceName
    description: SpaceDescription = ""
    visibility: Visibility = Visibility.OPEN


class SpaceUpdate(RequestBody):
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


class SpacePage(BaseModel):
    items: list[SpaceOut]
    next_cursor: str | None = None


class SpaceMemberAdd(RequestBody):
    user_id: uuid.UUID


class SpaceMemberOut(BaseModel):
    id: uuid.UUID
    space_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    added_at: datetime


class SpaceMemberPage(BaseModel):
    items: list[SpaceMemberOut]
    next_cursor: str | None = None
