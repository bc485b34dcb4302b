"""HTTP routes of posts and comments (`/orgs/{org_id}/...`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Query, Request, status

from app.authz.policies import OrgMember
from app.core.dependencies import AppSettings, DbSession, Meta
from app.core.json_body import api_router
from app.core.ratelimit import enforce_limit
from app.core.schemas import DEFAULT_PAGE_SIZE, PageLimit
from app.idempotency.service import IDEMPOTENT
from app.posts.models import PostStatus
from app.posts.repository import CommentRow, PostRow, PostSummaryRow
from app.posts.schemas import (
    CommentCreate,
    CommentOut,
    CommentPage,
    PostCreate,
    PostOut,
    PostPage,
    PostSummary,
    PostUpdate,
    SearchText,
)
from app.posts.service import PostService

router = api_router(prefix="/orgs/{org_id}", tags=["posts"])

Cursor = Annotated[str | None, Query(max_length=512)]
Limit = Annotated[PageLimit, Query()]
DraftsFilter = Annotated[Literal["mine"] | None, Query()]
Search = Annotated[SearchText | None, Query()]


async def post_service(db: DbSession, settings: AppSettings, meta: Meta) -> PostService:
    return PostService(db, settings, meta)


Posts = Annotated[PostService, Depends(post_service)]


def post_out(row: PostRow) -> PostOut:
    return PostOut(
        id=row.id,
        space_id=row.space_id,
        author_id=row.author_id,
        author_name=row.author_name,
        title=row.title,
        body=row.body,
        status=PostStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        listed_at=row.listed_at,
    )


def post_summary(row: PostSummaryRow) -> PostSummary:
    return PostSummary(
        id=row.id,
        space_id=row.space_id,
        author_id=row.author_id,
        author_name=row.author_name,
        title=row.title,
        excerpt=row.excerpt,
        status=PostStatus(row.status),
        created_at=row.created_at,
        listed_at=row.listed_at,
    )


def comment_out(row: CommentRow) -> CommentOut:
    return CommentOut(
        id=row.id,
        post_id=row.post_id,
        author_id=row.author_id,
        author_name=row.author_name,
        body=row.body,
        created_at=row.created_at,
    )


@router.get("/spaces/{space_id}/posts")
async def list_posts(
    org: OrgMember,
    space_id: uuid.UUID,
    posts: Posts,
    drafts: DraftsFilter = None,
    q: Search = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> PostPage:
    """Published posts, newest first; with `?drafts=mine` the caller's own drafts too;
    `?q=` keeps those whose title or body contains it."""
    rows, next_cursor = await posts.posts(
        org, space_id, with_own_drafts=drafts == "mine", search=q, limit=limit, cursor=cursor
    )
    return PostPage(items=[post_summary(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/spaces/{space_id}/posts", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT
)
async def create_post(
    org: OrgMember, space_id: uuid.UUID, body: PostCreate, posts: Posts, request: Request
) -> PostOut:
    await enforce_limit(request, "post_create_user", str(org.user_id))
    return post_out(await posts.create(org, space_id, body))


@router.get("/posts/{post_id}")
async def read_post(org: OrgMember, post_id: uuid.UUID, posts: Posts) -> PostOut:
    return post_out(await posts.post(org, post_id))


@router.patch("/posts/{post_id}")
async def update_post(
    org: OrgMember, post_id: uuid.UUID, body: PostUpdate, posts: Posts
) -> PostOut:
    """Its author only; a draft can be published, a published post not unpublished."""
    return post_out(await posts.update(org, post_id, body))


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_post(org: OrgMember, post_id: uuid.UUID, posts: Posts) -> None:
    """Its author, or a moderator and up; its comments go with it."""
    await posts.delete(org, post_id)


@router.get("/posts/{post_id}/comments")
async def list_comments(
    org: OrgMember,
    post_id: uuid.UUID,
    posts: Posts,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> CommentPage:
    rows, next_cursor = await posts.comments(org, post_id, limit, cursor)
    return CommentPage(items=[comment_out(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/posts/{post_id}/comments", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT
)
async def create_comment(
    org: OrgMember, post_id: uuid.UUID, body: CommentCreate, posts: Posts, request: Request
) -> CommentOut:
    await enforce_limit(request, "comment_create_user", str(org.user_id))
    return comment_out(await posts.add_comment(org, post_id, body.body))


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_comment(org: OrgMember, comment_id: uuid.UUID, posts: Posts) -> None:
    """Its author, or a moderator and up."""
    await posts.delete_comment(org, comment_id)
