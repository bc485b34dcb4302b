"""Post and comment rules: drafts stay with their author, content follows its space's
rules, authors edit, moderators remove, and a reply mails the post's author.

Visibility comes first (404), then permission (403): a post whose space the caller may
not read, or someone else's draft, is not found, for admins too.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from app.audit.service import record_event
from app.authz.org_context import OrgContext
from app.authz.rules import (
    may_delete_content,
    may_edit_post,
    may_read_space,
    may_see_post,
    space_content_readable,
)
from app.core.clock import now
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.service import RequestService
from app.mail.service import Unsubscribe, enqueue_mail
from app.posts import repository
from app.posts.models import PostStatus
from app.posts.schemas import CommentOut, PostCreate, PostRecord, PostSummary, PostUpdate
from app.spaces.schemas import SpaceOut
from app.spaces.service import readable_space, require_readable

REPLY_EXCERPT_LENGTH = 500
REPLY_CATEGORY = "replies"


class AlreadyPublished(Conflict):
    code = "already_published"
    message = "A published post cannot become a draft again; delete it instead."


class NotPublished(Conflict):
    code = "post_not_published"
    message = "Comments are for published posts."


class PostService(RequestService):
    async def _visible_post(self, context: OrgContext, post_id: uuid.UUID) -> PostRecord:
        row = await repository.post(self.db, context, post_id)
        if row is None or not may_see_post(context, row.space, row.author_id, row.status):
            raise NotFound("No such post.")
        return row

    # -- posts ------------------------------------------------------------------------

    async def posts(
        self,
        context: OrgContext,
        space_id: uuid.UUID,
        *,
        with_own_drafts: bool,
        search: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[PostSummary], str | None]:
        scope = f"posts:{context.org_id}:{space_id}"
        if with_own_drafts:
            scope = f"{scope}:drafts-of:{context.user_id}"
        page = self._page(scope, limit, cursor)
        rows, access = await repository.posts_page(
            self.db,
            context,
            space_id,
            with_own_drafts=with_own_drafts,
            search=search,
            after=page.after,
            limit=page.fetch,
        )
        if access is None:  # nothing listed: still 404 or 403 where the space says so
            await readable_space(self.db, context, space_id)
        else:
            require_readable(context, access)
        return page.cut(rows, lambda row: (row.listed_at, row.id))

    async def latest_in_orgs(
        self,
        contexts: Sequence[OrgContext],
        spaces: Mapping[uuid.UUID, Sequence[SpaceOut]],
        limit: int,
    ) -> dict[uuid.UUID, list[PostSummary]]:
        """The newest `limit` published posts of each org (by org ID) that its context may
        read, among `spaces` (the spaces it sees there), in one query."""
        access = {row.id: row.access for rows in spaces.values() for row in rows}
        readable = [
            (c, [row.id for row in spaces.get(c.org_id, ()) if may_read_space(c, row.access)])
            for c in contexts
        ]
        found = await repository.latest_published(self.db, readable, limit)
        by_org = {context.org_id: context for context in contexts}
        return {
            org_id: [
                row for row in rows
                if may_see_post(by_org[org_id], access[row.space_id], row.author_id, row.status)
            ]
            for org_id, rows in found.items()
        }  # fmt: skip

    async def create(
        self, context: OrgContext, space_id: uuid.UUID, body: PostCreate
    ) -> PostRecord:
        """Whoever may read a space's content may post in it; an open space needs no joining."""
        await readable_space(self.db, context, space_id)
        post_id = repository.add_post(
            self.db, context, space_id, body.title, body.body, body.status
        )
        # Answer from what was written: read inside the transaction, then commit, so a
        # committed write is never answered with an error (a retry would duplicate it).
        await self.db.flush()
        row = await self._visible_post(context, post_id)
        await self.db.commit()
        return row

    async def post(self, context: OrgContext, post_id: uuid.UUID) -> PostRecord:
        return await self._visible_post(context, post_id)

    async def update(self, context: OrgContext, post_id: uuid.UUID, body: PostUpdate) -> PostRecord:
        row = await self._visible_post(context, post_id)
        if not may_edit_post(context, row.author_id):
            raise Forbidden("Only its author edits a post.")
        post = await repository.post_model(self.db, context, post_id)
        if post is None:
            raise NotFound("No such post.")
        if body.status == PostStatus.DRAFT and post.status == PostStatus.PUBLISHED:
            raise AlreadyPublished()
        if body.status == PostStatus.PUBLISHED and post.status == PostStatus.DRAFT:
            post.status = PostStatus.PUBLISHED
            post.listed_at = now()
        if body.title is not None:
            post.title = body.title
        if body.body is not None:
            post.body = body.body
        post.updated_at = now()
        await self.db.flush()
        row = await self._visible_post(context, post_id)
        await self.db.commit()
        return row

    async def delete(self, context: OrgContext, post_id: uuid.UUID) -> None:
        row = await self._visible_post(context, post_id)
        if not may_delete_content(context, row.author_id):
            raise Forbidden("Only its author or a moderator deletes a post.")
        await repository.delete_post(self.db, context, post_id)
        self._record_removal(context, "post.removed", post_id, row.author_id)
        await self.db.commit()

    def _record_removal(
        self, context: OrgContext, action: str, target_id: uuid.UUID, author_id: uuid.UUID
    ) -> None:
        """Someone removing another member's content is audited; an author's own is not."""
        if author_id == context.user_id:
            return
        record_event(
            self.db, action, self.meta, org_id=context.org_id, actor_user_id=context.user_id,
            target_user_id=author_id, target_id=str(target_id),
        )  # fmt: skip

    # -- comments ---------------------------------------------------------------------

    async def comments(
        self, context: OrgContext, post_id: uuid.UUID, limit: int, cursor: str | None
    ) -> tuple[list[CommentOut], str | None]:
        page = self._page(f"comments:{context.org_id}:{post_id}", limit, cursor)
        rows, post = await repository.comments_page(
            self.db, context, post_id, after=page.after, limit=page.fetch
        )
        if post is None:  # nothing listed: still 404 where the post is not the caller's to see
            await self._visible_post(context, post_id)
        elif not may_see_post(context, post.space, post.author_id, post.status):
            raise NotFound("No such post.")
        return page.cut(rows, lambda row: (row.created_at, row.id))

    async def add_comment(self, context: OrgContext, post_id: uuid.UUID, body: str) -> CommentOut:
        """The comment and the author's notification mail commit together, or neither."""
        post = await self._visible_post(context, post_id)
        if post.status != PostStatus.PUBLISHED:
            raise NotPublished()
        comment_id = repository.add_comment(self.db, context, post_id, body)
        await self._notify_author(context, post, body)
        await self.db.flush()
        row = await repository.comment(self.db, context, comment_id)
        await self.db.commit()
        return row

    async def _notify_author(self, context: OrgContext, post: PostRecord, body: str) -> None:
        """Only an author who is still in the org and may still read the post's space is
        told, so the excerpt never reaches someone the space is now closed to."""
        if post.author_id == context.user_id:
            return
        author = await repository.reply_recipient(self.db, context, post)
        if author is None or not space_content_readable(
            author.space, author.role, author.payment_active
        ):
            return
        await enqueue_mail(
            self.db,
            template="reply_notification",
            to=author.email,
            context={
                "post_title": post.title,
                "commenter_name": await repository.display_name(self.db, context),
                "comment_excerpt": _excerpt(body, REPLY_EXCERPT_LENGTH),
                "link": f"{self.settings.public_url}/orgs/{context.org_id}/posts/{post.id}",
            },
            unsubscribe=Unsubscribe(user_id=author.user_id, category=REPLY_CATEGORY),
        )

    async def delete_comment(self, context: OrgContext, comment_id: uuid.UUID) -> None:
        target = await repository.comment_target(self.db, context, comment_id)
        if target is None or not may_see_post(
            context, target.space, target.post_author_id, target.post_status
        ):
            raise NotFound("No such comment.")
        if not may_delete_content(context, target.author_id):
            raise Forbidden("Only its author or a moderator deletes a comment.")
        await repository.delete_comment(self.db, context, comment_id)
        self._record_removal(context, "comment.removed", comment_id, target.author_id)
        await self.db.commit()


def _excerpt(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
