"""Member pages: the dashboard, an org's spaces, feeds, posts and comments, members,
conversations and blocks. Each route declares its policy (`CurrentUser`, `OrgMember`)
and calls the service the API calls with the `OrgContext` authz issued for it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from app.authz.permissions import Permission
from app.authz.policies import CurrentUser, MyOrgContexts, OrgMember
from app.billing.endpoints import Billing
from app.core.errors import AppError
from app.core.pagination import Cursor
from app.core.ratelimit import enforce_limit
from app.messages.endpoints import Messages, conversation_out, message_out
from app.messages.schemas import BlockCreate, ConversationCreate, MessageCreate
from app.orgs.endpoints import Orgs
from app.pages.billing import PAYMENT_WORDS
from app.pages.dashboard import org_panels
from app.pages.forms import form_fields, parsed, validated
from app.pages.rendering import render
from app.pages.routing import error_page, page_router
from app.pages.words import words_for
from app.posts.endpoints import Posts
from app.posts.schemas import CommentCreate, PostCreate, PostUpdate
from app.spaces.endpoints import Spaces
from app.spaces.service import space_out

router = page_router()
# Where Stripe sent the member back from (app.billing.service.org_page_url).
CheckoutOutcome = Annotated[str | None, Query(max_length=16)]
FEED_PAGE = 20


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/dashboard")
async def dashboard(
    user: CurrentUser, contexts: MyOrgContexts, request: Request, orgs: Orgs, spaces: Spaces,
    posts: Posts,
) -> Response:  # fmt: skip
    panels = await org_panels(contexts, await orgs.my_orgs(user), spaces, posts)
    return render(request, "dashboard.html", user=user, panels=panels)


@router.get("/orgs/{org_id}")
async def org_home(
    org: OrgMember, request: Request, orgs: Orgs, spaces: Spaces, billing: Billing,
    cursor: Cursor = None, checkout: CheckoutOutcome = None,
) -> Response:  # fmt: skip
    rows, next_cursor = await spaces.spaces(org, FEED_PAGE, cursor)
    return render(
        request, "org.html", user=org, org=await orgs.org(org), spaces=[space_out(r) for r in rows],
        next_cursor=next_cursor, membership=await billing.my_membership(org),
        payment_words=PAYMENT_WORDS, checkout=checkout,
        coach=org.may(Permission.MEMBERS_MANAGE),
    )  # fmt: skip


@router.get("/orgs/{org_id}/spaces/{space_id}")
async def space_feed(
    org: OrgMember, space_id: uuid.UUID, request: Request, spaces: Spaces, posts: Posts,
    cursor: Cursor = None,
) -> Response:  # fmt: skip
    space = space_out(await spaces.space(org, space_id))
    rows, next_cursor = await posts.posts(
        org, space_id, with_own_drafts=True, search=None, limit=FEED_PAGE, cursor=cursor
    )
    return render(
        request, "space.html", user=org, org_id=org.org_id, space=space,
        posts=rows, next_cursor=next_cursor,
    )  # fmt: skip


@router.get("/orgs/{org_id}/spaces/{space_id}/write")
async def write_post_page(
    org: OrgMember, space_id: uuid.UUID, request: Request, spaces: Spaces
) -> Response:
    space = space_out(await spaces.space(org, space_id))
    return render(request, "post_form.html", user=org, org_id=org.org_id, space=space)


@router.post("/orgs/{org_id}/spaces/{space_id}/write")
async def write_post(
    org: OrgMember, space_id: uuid.UUID, request: Request, spaces: Spaces, posts: Posts
) -> Response:
    fields = await form_fields(request)
    try:
        await enforce_limit(request, "post_create_user", str(org.user_id))
        body = parsed(PostCreate, fields, "title", "body", "status")
        post = await posts.create(org, space_id, body)
    except AppError as error:
        space = space_out(await spaces.space(org, space_id))
        return _form_again(request, error, "post_form.html", fields, org=org, space=space)
    return see_other(f"/orgs/{org.org_id}/posts/{post.id}")


@router.get("/orgs/{org_id}/posts/{post_id}")
async def post_page(
    org: OrgMember, post_id: uuid.UUID, request: Request, posts: Posts, cursor: Cursor = None
) -> Response:
    post = await posts.post(org, post_id)
    rows, next_cursor = await posts.comments(org, post_id, FEED_PAGE, cursor)
    return render(
        request, "post.html", user=org, org_id=org.org_id, post=post,
        comments=rows, next_cursor=next_cursor,
    )  # fmt: skip


@router.get("/orgs/{org_id}/posts/{post_id}/edit")
async def edit_post_page(
    org: OrgMember, post_id: uuid.UUID, request: Request, posts: Posts
) -> Response:
    post = await posts.post(org, post_id)
    values = {"title": post.title, "body": post.body, "status": post.status.value}
    return render(request, "post_form.html", user=org, org_id=org.org_id, post=post, values=values)


@router.post("/orgs/{org_id}/posts/{post_id}/edit")
async def edit_post(org: OrgMember, post_id: uuid.UUID, request: Request, posts: Posts) -> Response:
    fields = await form_fields(request)
    try:
        await posts.update(org, post_id, parsed(PostUpdate, fields, "title", "body", "status"))
    except AppError as error:
        post = await posts.post(org, post_id)
        return _form_again(request, error, "post_form.html", fields, org=org, post=post)
    return see_other(f"/orgs/{org.org_id}/posts/{post_id}")


@router.post("/orgs/{org_id}/posts/{post_id}/comments")
async def add_comment(
    org: OrgMember, post_id: uuid.UUID, request: Request, posts: Posts
) -> Response:
    fields = await form_fields(request)
    await posts.add_comment(org, post_id, parsed(CommentCreate, fields, "body").body)
    return see_other(f"/orgs/{org.org_id}/posts/{post_id}#comments")


@router.get("/orgs/{org_id}/members")
async def members_page(
    org: OrgMember, request: Request, orgs: Orgs, messages: Messages, cursor: Cursor = None
) -> Response:
    members, next_cursor = await orgs.members(org, FEED_PAGE, cursor)
    blocked, _ = await messages.blocks(org, 100, None)
    return render(
        request, "members.html", user=org, org_id=org.org_id, members=members,
        blocked={row.user_id for row in blocked}, next_cursor=next_cursor,
    )  # fmt: skip


@router.get("/orgs/{org_id}/conversations")
async def conversations_page(
    org: OrgMember, request: Request, messages: Messages, cursor: Cursor = None
) -> Response:
    rows, next_cursor = await messages.conversations(org, FEED_PAGE, cursor)
    return render(
        request, "conversations.html", user=org, org_id=org.org_id,
        conversations=[conversation_out(r) for r in rows], next_cursor=next_cursor,
    )  # fmt: skip


@router.post("/orgs/{org_id}/conversations")
async def start_conversation(org: OrgMember, request: Request, messages: Messages) -> Response:
    fields = await form_fields(request)
    body = validated(ConversationCreate, {"participant_ids": [fields.get("user_id", "")]})
    row, _created = await messages.open(org, body.participant_ids)
    return see_other(f"/orgs/{org.org_id}/conversations/{row.id}")


@router.get("/orgs/{org_id}/conversations/{conversation_id}")
async def conversation_page(
    org: OrgMember, conversation_id: uuid.UUID, request: Request, messages: Messages,
    cursor: Cursor = None,
) -> Response:  # fmt: skip
    conversation = conversation_out(await messages.conversation(org, conversation_id))
    rows, next_cursor = await messages.messages(org, conversation_id, FEED_PAGE, cursor)
    return render(
        request, "conversation.html", user=org, org_id=org.org_id, conversation=conversation,
        messages=[message_out(r) for r in rows], next_cursor=next_cursor,
    )  # fmt: skip


@router.post("/orgs/{org_id}/conversations/{conversation_id}/messages")
async def send_message(
    org: OrgMember, conversation_id: uuid.UUID, request: Request, messages: Messages
) -> Response:
    fields = await form_fields(request)
    await enforce_limit(request, "message_send_user", str(org.user_id))
    await messages.send(org, conversation_id, parsed(MessageCreate, fields, "body").body)
    return see_other(f"/orgs/{org.org_id}/conversations/{conversation_id}")


@router.post("/orgs/{org_id}/blocks")
async def block(org: OrgMember, request: Request, messages: Messages) -> Response:
    fields = await form_fields(request)
    await messages.block(org, parsed(BlockCreate, fields, "user_id").user_id)
    return see_other(f"/orgs/{org.org_id}/members")


@router.post("/orgs/{org_id}/blocks/{user_id}/remove")
async def unblock(org: OrgMember, user_id: uuid.UUID, messages: Messages) -> Response:
    await messages.unblock(org, user_id)
    return see_other(f"/orgs/{org.org_id}/members")


def _form_again(
    request: Request, error: AppError, template: str, fields: dict[str, str], **context: object
) -> Response:
    """The form again, with the member's input and the reason; a 404 stays the 404 page."""
    if error.status_code == 404:
        return error_page(request, error)
    title, text = words_for(error)
    org = context.pop("org")
    return render(
        request, template, error.status_code, user=org, org_id=getattr(org, "org_id", None),
        error=text, error_title=title, values=fields, **context,
    )  # fmt: skip
