"""The queries of posts and comments.

Every query takes the `OrgContext` and filters by its org. A post is loaded together
with what its visibility depends on (its space's visibility and whether the caller is
in that space), so one query answers "may the caller see it".

A read selects its columns labelled with the response schema's field names and answers
that schema (`Records`): the schema is the one shape of each record.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.authz.org_context import OrgContext
from app.authz.permissions import Role
from app.authz.rules import SpaceAccess
from app.core.clock import now
from app.core.schemas import Records
from app.orgs.models import Membership, grants_paid_access
from app.posts.models import Comment, Post, PostStatus
from app.posts.schemas import EXCERPT_LENGTH, CommentOut, PostRecord, PostSummary
from app.spaces.models import Space, SpaceMembership

LIKE_ESCAPE = "\\"
POSTS = Records(PostRecord)
POST_SUMMARIES = Records(PostSummary)
COMMENTS = Records(CommentOut)


@dataclass(frozen=True)
class CommentTarget:
    """A comment with what deciding on it needs: its author and its post's visibility."""

    id: uuid.UUID
    author_id: uuid.UUID
    post_author_id: uuid.UUID
    post_status: str
    space: SpaceAccess


@dataclass(frozen=True)
class ReplyRecipient:
    """A post's author as a reply notification sees them: still in the org, and whether
    they may still read the post's space."""

    user_id: uuid.UUID
    email: str
    role: Role
    payment_active: bool
    space: SpaceAccess


def _caller_in_space(context: OrgContext, space_id: Any) -> Any:
    return and_(SpaceMembership.space_id == space_id, SpaceMembership.user_id == context.user_id)


def _with_space_access(query: Any, context: OrgContext, space_id: Any) -> Any:
    """`query` with the space `space_id` names joined, and the columns `_space_access` reads:
    its visibility and whether the caller is a member of it."""
    return (
        query.add_columns(Space.visibility, SpaceMembership.id.is_not(None).label("in_space"))
        .join(Space, Space.id == space_id)
        .outerjoin(SpaceMembership, _caller_in_space(context, space_id))
    )


def _space_access(row: Mapping[Any, Any]) -> SpaceAccess:
    return SpaceAccess(visibility=row["visibility"], is_member=bool(row["in_space"]))


async def post(db: AsyncSession, context: OrgContext, post_id: uuid.UUID) -> PostRecord | None:
    query = (
        select(
            Post.id,
            Post.space_id,
            Post.author_id,
            User.display_name.label("author_name"),
            Post.title,
            Post.body,
            Post.status,
            Post.created_at,
            Post.updated_at,
            Post.listed_at,
        )
        .join(User, User.id == Post.author_id)
        .where(Post.id == post_id, Post.org_id == context.org_id)
    )
    query = _with_space_access(query, context, Post.space_id)
    row = (await db.execute(query)).mappings().one_or_none()
    return None if row is None else POSTS.one(row)


def _like_pattern(text: str) -> str:
    """`text` as a LIKE pattern matching itself anywhere: its wildcards are escaped."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return f"%{text}%"


_posts = Post.__table__.c
_users = User.__table__.c
_spaces = Space.__table__.c
_space_members = SpaceMembership.__table__.c


@cache
def _page_statement(*, with_own_drafts: bool, searching: bool, paging: bool) -> Any:
    """The post-list SELECT of one shape, built once on table columns (Core: no ORM
    result handling); the request's values are bound at execution."""
    listed: Any = _posts.status == PostStatus.PUBLISHED
    if with_own_drafts:
        own_draft = and_(
            _posts.status == PostStatus.DRAFT, _posts.author_id == bindparam("user_id")
        )
        listed = or_(listed, own_draft)
    query = (
        select(
            _posts.id,
            _posts.space_id,
            _posts.author_id,
            _users.display_name.label("author_name"),
            _posts.title,
            func.substr(_posts.body, 1, EXCERPT_LENGTH).label("excerpt"),
            _posts.status,
            _posts.created_at,
            _posts.listed_at,
            _spaces.visibility,
            _space_members.id.is_not(None).label("in_space"),
        )
        .join(User.__table__, _users.id == _posts.author_id)
        .join(
            Space.__table__,
            and_(_spaces.id == _posts.space_id, _spaces.org_id == bindparam("org_id")),
        )
        .outerjoin(
            SpaceMembership.__table__,
            and_(
                _space_members.space_id == _posts.space_id,
                _space_members.user_id == bindparam("user_id"),
            ),
        )
        .where(
            _posts.org_id == bindparam("org_id"), _posts.space_id == bindparam("space_id"), listed
        )
        .order_by(_posts.listed_at.desc(), _posts.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    if searching:
        pattern = bindparam("pattern", type_=_posts.title.type)
        query = query.where(
            or_(
                _posts.title.ilike(pattern, escape=LIKE_ESCAPE),
                _posts.body.ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    if paging:
        after = tuple_(
            bindparam("after_listed_at", type_=_posts.listed_at.type),
            bindparam("after_id", type_=_posts.id.type),
        )
        query = query.where(tuple_(_posts.listed_at, _posts.id) < after)
    return query


async def posts_page(
    db: AsyncSession,
    context: OrgContext,
    space_id: uuid.UUID,
    *,
    with_own_drafts: bool,
    search: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> tuple[list[PostSummary], SpaceAccess | None]:
    """Newest first; drafts of others never (the SQL form of `rules.may_see_post`).

    Each row carries its space's visibility and whether the caller is in it, so the
    page and what deciding on it needs come in one query; the access is None when the
    page is empty (the caller then asks the spaces service).
    """
    query = _page_statement(
        with_own_drafts=with_own_drafts, searching=bool(search), paging=after is not None
    )
    parameters: dict[str, Any] = {
        "org_id": context.org_id,
        "space_id": space_id,
        "user_id": context.user_id,
        "limit": limit,
    }
    if search:
        parameters["pattern"] = _like_pattern(search)
    if after is not None:
        parameters["after_listed_at"], parameters["after_id"] = after
    rows = (await db.execute(query, parameters)).mappings().all()
    access = _space_access(rows[0]) if rows else None
    return POST_SUMMARIES.all(rows), access


def _latest_published_in(
    context: OrgContext, space_ids: Sequence[uuid.UUID], limit: int
) -> Select[*tuple[Any, ...]]:
    return (
        select(
            _posts.org_id,
            _posts.id,
            _posts.space_id,
            _posts.author_id,
            _users.display_name.label("author_name"),
            _posts.title,
            func.substr(_posts.body, 1, EXCERPT_LENGTH).label("excerpt"),
            _posts.status,
            _posts.created_at,
            _posts.listed_at,
        )
        .join(User.__table__, _users.id == _posts.author_id)
        .where(
            _posts.org_id == context.org_id,
            _posts.space_id.in_(space_ids),
            _posts.status == PostStatus.PUBLISHED,
        )
        .order_by(_posts.listed_at.desc(), _posts.id.desc())
        .limit(limit)
    )


async def latest_published(
    db: AsyncSession, readable: Sequence[tuple[OrgContext, Sequence[uuid.UUID]]], limit: int
) -> dict[uuid.UUID, list[PostSummary]]:
    """The newest `limit` published posts of each org among the given spaces of it (the
    ones its context may read), newest first, in one query: one branch per org."""
    branches = [
        _latest_published_in(context, space_ids, limit)
        for context, space_ids in readable
        if space_ids
    ]
    found: dict[uuid.UUID, list[PostSummary]] = {context.org_id: [] for context, _ in readable}
    if not branches:
        return found
    # Each branch keeps its own ORDER BY and LIMIT inside a subquery (SQLite needs that).
    query: Any = union_all(*(select(branch.subquery()) for branch in branches))
    rows = (await db.execute(query)).mappings().all()
    for row, summary in zip(rows, POST_SUMMARIES.all(rows), strict=True):
        found[row["org_id"]].append(summary)
    for summaries in found.values():
        summaries.sort(key=lambda summary: (summary.listed_at, summary.id), reverse=True)
    return found


async def post_model(db: AsyncSession, context: OrgContext, post_id: uuid.UUID) -> Post | None:
    result = await db.execute(select(Post).where(Post.id == post_id, Post.org_id == context.org_id))
    return result.scalar_one_or_none()


async def delete_post(db: AsyncSession, context: OrgContext, post_id: uuid.UUID) -> None:
    """Its comments go with it (the foreign key cascades)."""
    await db.execute(delete(Post).where(Post.id == post_id, Post.org_id == context.org_id))


async def display_name(db: AsyncSession, context: OrgContext) -> str:
    """The caller's display name."""
    result = await db.execute(select(User.display_name).where(User.id == context.user_id))
    return str(result.scalar_one())


# -- comments ---------------------------------------------------------------------------


def _comments_of(context: OrgContext) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Comment.id,
            Comment.post_id,
            Comment.author_id,
            User.display_name.label("author_name"),
            Comment.body,
            Comment.created_at,
        )
        .join(User, User.id == Comment.author_id)
        .where(Comment.org_id == context.org_id)
    )


@dataclass(frozen=True)
class CommentedPost:
    """What deciding whether the caller may read a post's comments looks at."""

    space: SpaceAccess
    author_id: uuid.UUID
    status: str


_comments = Comment.__table__.c


@cache
def _comments_statement(*, paging: bool) -> Any:
    """The comment-page SELECT, built once: each row carries its post's author, status,
    space visibility and whether the caller is in that space, so the page and the
    decision on it come in one query."""
    query = (
        select(
            _comments.id, _comments.post_id, _comments.author_id,
            _users.display_name.label("author_name"), _comments.body, _comments.created_at,
            _posts.author_id.label("post_author_id"), _posts.status.label("post_status"),
            _spaces.visibility, _space_members.id.is_not(None).label("in_space"),
        )
        .join(User.__table__, _users.id == _comments.author_id)
        .join(
            Post.__table__,
            and_(_posts.id == _comments.post_id, _posts.org_id == bindparam("org_id")),
        )
        .join(Space.__table__, _spaces.id == _posts.space_id)
        .outerjoin(
            SpaceMembership.__table__,
            and_(
                _space_members.space_id == _posts.space_id,
                _space_members.user_id == bindparam("user_id"),
            ),
        )
        .where(_comments.org_id == bindparam("org_id"), _comments.post_id == bindparam("post_id"))
        .order_by(_comments.created_at, _comments.id)
        .limit(bindparam("limit", type_=Integer))
    )  # fmt: skip
    if paging:
        after = tuple_(
            bindparam("after_created_at", type_=_comments.created_at.type),
            bindparam("after_id", type_=_comments.id.type),
        )
        query = query.where(tuple_(_comments.created_at, _comments.id) > after)
    return query


async def comments_page(
    db: AsyncSession,
    context: OrgContext,
    post_id: uuid.UUID,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> tuple[list[CommentOut], CommentedPost | None]:
    """Oldest first, as a conversation reads; with what the rules need to know of the
    post, or None when the page is empty (the caller then looks the post up)."""
    parameters: dict[str, Any] = {
        "org_id": context.org_id, "user_id": context.user_id, "post_id": post_id, "limit": limit,
    }  # fmt: skip
    if after is not None:
        parameters["after_created_at"], parameters["after_id"] = after
    result = await db.execute(_comments_statement(paging=after is not None), parameters)
    rows = result.mappings().all()
    if not rows:
        return [], None
    first = rows[0]
    post = CommentedPost(_space_access(first), first["post_author_id"], first["post_status"])
    return COMMENTS.all(rows), post


async def comment(db: AsyncSession, context: OrgContext, comment_id: uuid.UUID) -> CommentOut:
    result = await db.execute(_comments_of(context).where(Comment.id == comment_id))
    return COMMENTS.one(result.mappings().one())


async def comment_target(
    db: AsyncSession, context: OrgContext, comment_id: uuid.UUID
) -> CommentTarget | None:
    query = (
        select(
            Comment.id,
            Comment.author_id,
            Post.author_id,
            Post.status,
        )
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.id == comment_id, Comment.org_id == context.org_id)
    )
    query = _with_space_access(query, context, Post.space_id)
    row = (await db.execute(query)).one_or_none()
    if row is None:
        return None
    comment, author, post_author, post_status = row[:4]
    return CommentTarget(comment, author, post_author, post_status, _space_access(row._mapping))


async def delete_comment(db: AsyncSession, context: OrgContext, comment_id: uuid.UUID) -> None:
    await db.execute(
        delete(Comment).where(Comment.id == comment_id, Comment.org_id == context.org_id)
    )


async def reply_recipient(
    db: AsyncSession, context: OrgContext, post: PostRecord
) -> ReplyRecipient | None:
    """The post's author, if they are still a member of the org."""
    author_in_space = and_(
        SpaceMembership.space_id == post.space_id, SpaceMembership.user_id == User.id
    )
    query = (
        select(
            User.id,
            User.email,
            Membership.role,
            Membership.payment_status,
            SpaceMembership.id.is_not(None).label("in_space"),
        )
        .join(Membership, and_(Membership.user_id == User.id, Membership.org_id == context.org_id))
        .outerjoin(SpaceMembership, author_in_space)
        .where(User.id == post.author_id)
    )
    row = (await db.execute(query)).one_or_none()
    if row is None:
        return None
    return ReplyRecipient(
        user_id=row.id,
        email=row.email,
        role=Role(row.role),
        payment_active=grants_paid_access(row.payment_status),
        space=SpaceAccess(visibility=post.space.visibility, is_member=bool(row.in_space)),
    )


def add_post(
    db: AsyncSession, context: OrgContext, space_id: uuid.UUID, title: str, body: str, status: str
) -> uuid.UUID:
    """A post by the caller in one of the context's org's spaces; its id."""
    post = Post(
        id=uuid.uuid4(), org_id=context.org_id, space_id=space_id, author_id=context.user_id,
        title=title, body=body, status=status, listed_at=now(),
    )  # fmt: skip
    db.add(post)
    return post.id


def add_comment(db: AsyncSession, context: OrgContext, post_id: uuid.UUID, body: str) -> uuid.UUID:
    """A comment by the caller on a post of the context's org; its id."""
    comment = Comment(
        id=uuid.uuid4(), org_id=context.org_id, post_id=post_id, author_id=context.user_id,
        body=body,
    )  # fmt: skip
    db.add(comment)
    return comment.id
