"""HTTP routes of posts and comments (`/orgs/{org_id}/...`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Query, status

from app.authz.caller import caller_id
from app.authz.policies import OrgMember
from app.core.api_docs import RATE_LIMITED_PER_USER, errors
from app.core.dependencies import service_dependency
from app.core.json_body import api_router
from app.core.limits import rate_limit
from app.core.pagination import Paging
from app.idempotency.service import IDEMPOTENT
from app.posts.schemas import (
    CommentCreate,
    CommentOut,
    CommentPage,
    PostCreate,
    PostOut,
    PostPage,
    PostUpdate,
    SearchText,
)
from app.posts.service import PostService

router = api_router(prefix="/orgs/{org_id}", tags=["posts"])

DraftsFilter = Annotated[Literal["mine"] | None, Query()]
Search = Annotated[SearchText | None, Query()]


Posts = Annotated[PostService, Depends(service_dependency(PostService))]


@router.get("/spaces/{space_id}/posts", summary="List a space's posts")
async def list_posts(
    org: OrgMember,
    space_id: uuid.UUID,
    posts: Posts,
    page: Paging,
    drafts: DraftsFilter = None,
    q: Search = None,
) -> PostPage:
    """The space's published posts, newest first, each with an excerpt of its body, a
    page at a time. With `?drafts=mine` the caller's own drafts are listed too; `?q=`
    keeps those whose title or body contains the text.

    403 `space_content_locked` when the caller sees the space but its content is for
    its members (or members with an active payment) only."""
    mine = drafts == "mine"
    found = await posts.posts(
        org, space_id, with_own_drafts=mine, search=q, limit=page.limit, cursor=page.cursor
    )
    return PostPage.of_items(found)


@router.post(
    "/spaces/{space_id}/posts",
    status_code=status.HTTP_201_CREATED,
    dependencies=[*IDEMPOTENT, rate_limit("post_create_user", key=caller_id)],
    summary="Write a post",
    responses=errors(429, notes={429: RATE_LIMITED_PER_USER}),
)
async def create_post(
    org: OrgMember, space_id: uuid.UUID, body: PostCreate, posts: Posts
) -> PostOut:
    """Write a post in a space the caller may read: `status` `draft` keeps it to its
    author, `published` shows it to everyone who reads the space."""
    return await posts.create(org, space_id, body)


@router.get("/posts/{post_id}", summary="Read a post")
async def read_post(org: OrgMember, post_id: uuid.UUID, posts: Posts) -> PostOut:
    """A post with its whole body. A draft is a 404 to anyone but its author."""
    return await posts.post(org, post_id)


@router.patch(
    "/posts/{post_id}",
    summary="Edit a post",
    responses=errors(
        notes={
            403: "Only its author edits a post; or the CSRF header or Origin is wrong.",
            409: "A published post cannot go back to draft (`already_published`).",
        }
    ),
)
async def update_post(
    org: OrgMember, post_id: uuid.UUID, body: PostUpdate, posts: Posts
) -> PostOut:
    """Change a post's title, body or status; a field left out keeps its value. Its
    author only. A draft can be published; a published post cannot go back to draft."""
    return await posts.update(org, post_id, body)


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a post")
async def delete_post(org: OrgMember, post_id: uuid.UUID, posts: Posts) -> None:
    """Delete a post and its comments: its author, or a moderator and up."""
    await posts.delete(org, post_id)


@router.get("/posts/{post_id}/comments", summary="List a post's comments")
async def list_comments(
    org: OrgMember,
    post_id: uuid.UUID,
    posts: Posts,
    page: Paging,
) -> CommentPage:
    """The comments on a post, oldest first, a page at a time."""
    return CommentPage.of_items(await posts.comments(org, post_id, page.limit, page.cursor))


@router.post(
    "/posts/{post_id}/comments",
    status_code=status.HTTP_201_CREATED,
    dependencies=[*IDEMPOTENT, rate_limit("comment_create_user", key=caller_id)],
    summary="Comment on a post",
    responses=errors(
        429,
        notes={
            409: "The post is a draft: only published posts take comments "
            "(`post_not_published`); or the `Idempotency-Key` is in use.",
            429: RATE_LIMITED_PER_USER,
        },
    ),
)
async def create_comment(
    org: OrgMember, post_id: uuid.UUID, body: CommentCreate, posts: Posts
) -> CommentOut:
    """Add a comment to a published post. The post's author is told by mail, unless
    they unsubscribed from reply notifications."""
    return await posts.add_comment(org, post_id, body.body)


@router.delete(
    "/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a comment"
)
async def delete_comment(org: OrgMember, comment_id: uuid.UUID, posts: Posts) -> None:
    """Delete a comment: its author, or a moderator and up."""
    await posts.delete_comment(org, comment_id)
