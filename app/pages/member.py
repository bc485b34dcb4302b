"""Member pages: the dashboard, an org's spaces, feeds, posts and comments, members,
conversations and blocks. Each route declares its policy (`CurrentUser`, `OrgMember`)
and calls the service the API calls with the `OrgContext` authz issued for it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from app.authz.caller import caller_id
from app.authz.permissions import Permission
from app.authz.policies import CurrentUser, MyOrgContexts, OrgMember
from app.billing.endpoints import Billing
from app.core.limits import rate_limit
from app.core.pagination import Cursor
from app.messages.endpoints import Messages
from app.messages.schemas import BlockCreate, ConversationCreate, MessageCreate
from app.orgs.endpoints import Orgs
from app.pages.billing import PAYMENT_WORDS
from app.pages.dashboard import org_panels
from app.pages.forms import FormFields, parsed, validated
from app.pages.rendering import render
from app.pages.routing import form_page, page_router, redrawn, see_other
from app.posts.endpoints import Posts
from app.posts.schemas import CommentCreate, PostCreate, PostUpdate
from app.spaces.endpoints import Spaces

router = page_router()
# Where Stripe sent the member back from (app.billing.service.org_page_url).
CheckoutOutcome = Annotated[str | None, Query(max_length=16)]
FEED_PAGE = 20


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
        request, "org.html", user=org, org=await orgs.org(org), spaces=rows,
        next_cursor=next_cursor, membership=await billing.my_membership(org),
        payment_words=PAYMENT_WORDS, checkout=checkout,
        coach=org.may(Permission.MEMBERS_MANAGE),
    )  # fmt: skip


@router.get("/orgs/{org_id}/spaces/{space_id}")
async def space_feed(
    org: OrgMember, space_id: uuid.UUID, request: Request, spaces: Spaces, posts: Posts,
    cursor: Cursor = None,
) -> Response:  # fmt: skip
    space = await spaces.space(org, space_id)
    rows, next_cursor = await posts.posts(
        org, space_id, with_own_drafts=True, search=None, limit=FEED_PAGE, cursor=cursor
    )
    return render(
        request, "space.html", user=org, org_id=org.org_id, space=space,
        posts=rows, next_cursor=next_cursor,
    )  # fmt: skip


async def write_post_context(org: OrgMember, space_id: uuid.UUID, spaces: Spaces) -> dict[str, Any]:
    space = await spaces.space(org, space_id)
    return {"user": org, "org_id": org.org_id, "space": space}


@router.get("/orgs/{org_id}/spaces/{space_id}/write")
async def write_post_page(
    org: OrgMember, space_id: uuid.UUID, request: Request, spaces: Spaces
) -> Response:
    context = await write_post_context(org, space_id, spaces)
    return render(request, "post_form.html", **context)


@router.post(
    "/orgs/{org_id}/spaces/{space_id}/write",
    dependencies=[
        form_page("post_form.html", redrawn(write_post_context)),
        rate_limit("post_create_user", key=caller_id),
    ],
)
async def write_post(
    org: OrgMember, space_id: uuid.UUID, fields: FormFields, posts: Posts
) -> Response:
    post = await posts.create(org, space_id, parsed(PostCreate, fields, "title", "body", "status"))
    return see_other(f"/orgs/{org.org_id}/posts/{post.id}")


async def post_context(
    org: OrgMember, post_id: uuid.UUID, posts: Posts, cursor: Cursor = None
) -> dict[str, Any]:
    post = await posts.post(org, post_id)
    rows, next_cursor = await posts.comments(org, post_id, FEED_PAGE, cursor)
    return {
        "user": org, "org_id": org.org_id, "post": post, "comments": rows,
        "next_cursor": next_cursor,
    }  # fmt: skip


@router.get("/orgs/{org_id}/posts/{post_id}")
async def post_page(
    org: OrgMember, post_id: uuid.UUID, request: Request, posts: Posts, cursor: Cursor = None
) -> Response:
    return render(request, "post.html", **await post_context(org, post_id, posts, cursor))


async def edit_post_context(org: OrgMember, post_id: uuid.UUID, posts: Posts) -> dict[str, Any]:
    post = await posts.post(org, post_id)
    return {"user": org, "org_id": org.org_id, "post": post}


@router.get("/orgs/{org_id}/posts/{post_id}/edit")
async def edit_post_page(
    org: OrgMember, post_id: uuid.UUID, request: Request, posts: Posts
) -> Response:
    context = await edit_post_context(org, post_id, posts)
    post = context["post"]
    values = {"title": post.title, "body": post.body, "status": post.status.value}
    return render(request, "post_form.html", values=values, **context)


@router.post(
    "/orgs/{org_id}/posts/{post_id}/edit",
    dependencies=[form_page("post_form.html", redrawn(edit_post_context))],
)
async def edit_post(
    org: OrgMember, post_id: uuid.UUID, fields: FormFields, posts: Posts
) -> Response:
    await posts.update(org, post_id, parsed(PostUpdate, fields, "title", "body", "status"))
    return see_other(f"/orgs/{org.org_id}/posts/{post_id}")


@router.post(
    "/orgs/{org_id}/posts/{post_id}/comments",
    dependencies=[
        form_page("post.html", redrawn(post_context, cursor=None)),
        rate_limit("comment_create_user", key=caller_id),
    ],
)
async def add_comment(
    org: OrgMember, post_id: uuid.UUID, fields: FormFields, posts: Posts
) -> Response:
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
        conversations=rows, next_cursor=next_cursor,
    )  # fmt: skip


@router.post("/orgs/{org_id}/conversations")
async def start_conversation(org: OrgMember, fields: FormFields, messages: Messages) -> Response:
    body = validated(ConversationCreate, {"participant_ids": [fields.get("user_id", "")]})
    row, _created = await messages.open(org, body.participant_ids)
    return see_other(f"/orgs/{org.org_id}/conversations/{row.id}")


async def conversation_context(
    org: OrgMember, conversation_id: uuid.UUID, messages: Messages, cursor: Cursor = None
) -> dict[str, Any]:
    conversation = await messages.conversation(org, conversation_id)
    rows, next_cursor = await messages.messages(org, conversation_id, FEED_PAGE, cursor)
    return {
        "user": org, "org_id": org.org_id, "conversation": conversation,
        "messages": rows, "next_cursor": next_cursor,
    }  # fmt: skip


@router.get("/orgs/{org_id}/conversations/{conversation_id}")
async def conversation_page(
    org: OrgMember, conversation_id: uuid.UUID, request: Request, messages: Messages,
    cursor: Cursor = None,
) -> Response:  # fmt: skip
    context = await conversation_context(org, conversation_id, messages, cursor)
    return render(request, "conversation.html", **context)


@router.post(
    "/orgs/{org_id}/conversations/{conversation_id}/messages",
    dependencies=[
        form_page("conversation.html", redrawn(conversation_context, cursor=None)),
        rate_limit("message_send_user", key=caller_id),
    ],
)
async def send_message(
    org: OrgMember, conversation_id: uuid.UUID, fields: FormFields, messages: Messages
) -> Response:
    await messages.send(org, conversation_id, parsed(MessageCreate, fields, "body").body)
    return see_other(f"/orgs/{org.org_id}/conversations/{conversation_id}")


@router.post("/orgs/{org_id}/blocks")
async def block(org: OrgMember, fields: FormFields, messages: Messages) -> Response:
    await messages.block(org, parsed(BlockCreate, fields, "user_id").user_id)
    return see_other(f"/orgs/{org.org_id}/members")


@router.post("/orgs/{org_id}/blocks/{user_id}/remove")
async def unblock(org: OrgMember, user_id: uuid.UUID, messages: Messages) -> Response:
    await messages.unblock(org, user_id)
    return see_other(f"/orgs/{org.org_id}/members")
