"""Member pages through HTTP: a member writes, comments and messages in their org; a member
of another org opening the same URLs gets the 404 page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from httpx import AsyncClient

from tests.pages.forms import SAME_ORIGIN, form_csrf
from tests.support.accounts import mailed_token, verified_member
from tests.support.orgs import create_org
from tests.support.smtp_sink import SmtpSink

OWNER = "coach.pages@example.org"
OUTSIDER = "outsider.pages@example.org"


async def post_form(client: AsyncClient, page: str, action: str, fields: dict[str, str]) -> str:
    """Post a page form; the page it redirects to."""
    csrf = await form_csrf(client, page)
    answer = await client.post(action, data={"csrf_token": csrf, **fields}, headers=SAME_ORIGIN)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


@pytest.fixture
async def coach(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> AsyncClient:
    client = new_client()
    await verified_member(client, smtp_sink, OWNER, name="Coach <b>Kim</b>")
    return client


async def space_of(client: AsyncClient) -> tuple[str, str]:
    org_id = await create_org(client, name="Circle <script>x</script>", slug="circle-pages")
    space = await client.post(
        f"/api/v1/orgs/{org_id}/spaces",
        json={"name": "Lounge", "description": "", "visibility": "open"},
    )
    assert space.status_code == 201, space.text
    return org_id, space.json()["id"]


async def test_a_member_writes_a_post_and_comments_on_it_through_the_pages(
    coach: AsyncClient,
) -> None:
    org_id, space_id = await space_of(coach)
    space_page = f"/orgs/{org_id}/spaces/{space_id}"
    fields = {
        "title": "<img src=x onerror=alert(1)>",
        "body": "Hello <script>",
        "status": "published",
    }
    post_url = await post_form(coach, f"{space_page}/write", f"{space_page}/write", fields)

    await post_form(coach, post_url, f"{post_url}/comments", {"body": "First <i>comment</i>"})

    page = (await coach.get(post_url)).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Hello &lt;script&gt;" in page
    assert "First &lt;i&gt;comment&lt;/i&gt;" in page
    feed = (await coach.get(space_page)).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in feed
    org_page = (await coach.get(f"/orgs/{org_id}")).text
    assert "Circle &lt;script&gt;x&lt;/script&gt;" in org_page


async def test_a_draft_is_kept_and_shown_only_as_a_draft(coach: AsyncClient) -> None:
    org_id, space_id = await space_of(coach)
    space_page = f"/orgs/{org_id}/spaces/{space_id}"
    fields = {"title": "Not yet", "body": "Thinking", "status": "draft"}
    post_url = await post_form(coach, f"{space_page}/write", f"{space_page}/write", fields)

    assert "(draft)" in (await coach.get(space_page)).text
    edit = {"title": "Now", "body": "Done", "status": "published"}
    await post_form(coach, f"{post_url}/edit", f"{post_url}/edit", edit)
    assert "Add comment" in (await coach.get(post_url)).text


async def test_an_empty_post_is_refused_in_words_with_the_form_kept(coach: AsyncClient) -> None:
    org_id, space_id = await space_of(coach)
    write = f"/orgs/{org_id}/spaces/{space_id}/write"
    csrf = await form_csrf(coach, write)
    fields = {"csrf_token": csrf, "title": "Kept title", "body": "", "status": "published"}
    answer = await coach.post(write, data=fields, headers=SAME_ORIGIN)
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert 'value="Kept title"' in answer.text


async def test_an_empty_comment_redraws_the_post_page_with_the_error(
    coach: AsyncClient,
) -> None:
    org_id, space_id = await space_of(coach)
    space_page = f"/orgs/{org_id}/spaces/{space_id}"
    fields = {"title": "Open for comments", "body": "Say something", "status": "published"}
    post_url = await post_form(coach, f"{space_page}/write", f"{space_page}/write", fields)
    csrf = await form_csrf(coach, post_url)

    answer = await coach.post(
        f"{post_url}/comments", data={"csrf_token": csrf, "body": ""}, headers=SAME_ORIGIN
    )

    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert "Open for comments" in answer.text
    assert "Add comment" in answer.text


async def test_a_member_of_another_org_gets_the_404_page_for_every_url(
    coach: AsyncClient, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    org_id, space_id = await space_of(coach)
    space_page = f"/orgs/{org_id}/spaces/{space_id}"
    fields = {"title": "Private to us", "body": "Members only", "status": "published"}
    post_url = await post_form(coach, f"{space_page}/write", f"{space_page}/write", fields)
    outsider = new_client()
    await verified_member(outsider, smtp_sink, OUTSIDER)

    for url in [f"/orgs/{org_id}", space_page, post_url, f"/orgs/{org_id}/members",
                f"/orgs/{org_id}/conversations"]:  # fmt: skip
        answer = await outsider.get(url)
        assert answer.status_code == 404, url
        assert "Page not found" in answer.text
        assert "Private to us" not in answer.text


async def test_a_malformed_id_in_a_page_url_is_the_404_page(coach: AsyncClient) -> None:
    answer = await coach.get("/orgs/not-an-id/spaces/also-not")
    assert answer.status_code == 404
    assert "Page not found" in answer.text


@pytest.mark.parametrize(
    "page", ["/orgs/{org}", "/orgs/{org}/members", "/orgs/{org}/conversations"]
)
async def test_an_org_page_without_a_session_redirects_to_login(
    coach: AsyncClient, client: AsyncClient, page: str
) -> None:
    org_id, _ = await space_of(coach)
    url = page.format(org=org_id)
    answer = await client.get(url)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={url}"


async def test_a_member_sends_a_message_and_blocks_through_the_pages(
    coach: AsyncClient, new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    org_id, _ = await space_of(coach)
    member = new_client()
    joined = await verified_member(member, smtp_sink, "member.pages@example.org", name="Mo")
    invite = await coach.post(
        f"/api/v1/orgs/{org_id}/invites", json={"email": joined.email, "role": "member"}
    )
    assert invite.status_code == 201, invite.text
    token = await mailed_token(smtp_sink, joined.email, "invite")
    accepted = await post_form(member, "/invite", "/invite", {"token": token})
    assert accepted == f"/orgs/{org_id}"

    members = f"/orgs/{org_id}/members"
    owner_id = (await coach.get("/api/v1/me")).json()["id"]
    conversation = await post_form(member, members, f"/orgs/{org_id}/conversations",
                                   {"user_id": owner_id})  # fmt: skip
    await post_form(member, conversation, f"{conversation}/messages", {"body": "Hi <coach>"})
    assert "Hi &lt;coach&gt;" in (await coach.get(conversation)).text

    await post_form(member, members, f"/orgs/{org_id}/blocks", {"user_id": owner_id})
    assert "Unblock" in (await member.get(members)).text
    csrf = await form_csrf(coach, conversation)
    refused = await coach.post(
        f"{conversation}/messages", data={"csrf_token": csrf, "body": "Still there?"},
        headers=SAME_ORIGIN,
    )  # fmt: skip
    assert refused.status_code in {403, 404}
    assert "Still there?" not in (await member.get(conversation)).text
