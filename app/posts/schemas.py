"""Request and response bodies of posts and comments, with their length caps (C15).

User text is stored exactly as written and only ever returned inside JSON strings;
where it is put into HTML (the reply-notification mail) the template escapes it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.authz.rules import SpaceAccess
from app.core.pagination import Page
from app.core.schemas import NoNulText, NotBlankText, OneLineText, RequestBody, examples
from app.posts.models import PostStatus

MAX_TITLE_LENGTH = 200
MAX_POST_BODY_LENGTH = 20_000
MAX_COMMENT_LENGTH = 5_000
MAX_SEARCH_LENGTH = 100
EXCERPT_LENGTH = 280


PostTitle = Annotated[str, OneLineText(max_length=MAX_TITLE_LENGTH)]
PostBody = Annotated[str, NotBlankText(max_length=MAX_POST_BODY_LENGTH)]
CommentBody = Annotated[str, NotBlankText(max_length=MAX_COMMENT_LENGTH)]
SearchText = Annotated[str, NoNulText(min_length=1, max_length=MAX_SEARCH_LENGTH)]


class PostCreate(RequestBody):
    model_config = examples(
        {
            "title": "Notes on the Analytical Engine",
            "body": "The engine weaves algebraic patterns as the loom weaves flowers.",
            "status": "published",
        }
    )

    title: PostTitle
    body: PostBody
    status: PostStatus


class PostUpdate(RequestBody):
    """Only the fields sent change; `status` only from `draft` to `published`."""

    model_config = examples(
        {"title": "Notes on the Analytical Engine (revised)", "status": "published"}
    )

    title: PostTitle | None = None
    body: PostBody | None = None
    status: PostStatus | None = None


class PostOut(BaseModel):
    id: uuid.UUID
    space_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    title: str
    body: str
    status: PostStatus
    created_at: datetime
    updated_at: datetime | None
    listed_at: datetime


class PostRecord(PostOut):
    """A post as read for its caller, with what deciding on it needs and the response
    never shows: its space's visibility and whether the caller is in that space."""

    visibility: str = Field(exclude=True)
    in_space: bool = Field(exclude=True)

    @property
    def space(self) -> SpaceAccess:
        return SpaceAccess(visibility=self.visibility, is_member=self.in_space)


class PostSummary(BaseModel):
    """A post in a list: the first EXCERPT_LENGTH characters of its body."""

    id: uuid.UUID
    space_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    title: str
    excerpt: str
    status: PostStatus
    created_at: datetime
    listed_at: datetime


class PostPage(Page[PostSummary]):
    pass


class CommentCreate(RequestBody):
    model_config = examples({"body": "Could it compose music, too?"})

    body: CommentBody


class CommentOut(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    body: str
    created_at: datetime


class CommentPage(Page[CommentOut]):
    pass
