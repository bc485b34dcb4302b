"""Issue 10: input edges an outside attack run found, refused at the edge.

A JSON route takes JSON only (415 otherwise), a key may appear once in a JSON object,
an address must be one the mail layer can send to, and text holds no NUL (nor, in
one-line names, any other control character).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from httpx import AsyncClient, Response

from tests.pages.forms import submit
from tests.support.accounts import DEFAULT_PASSWORD, sign_up, verified_member
from tests.support.orgs import create_org
from tests.support.smtp_sink import SmtpSink

SIGNUP = "/api/v1/auth/signup"
SIGNUP_BODY = (
    b'{"email": "edge@example.org", "password": "a long enough passphrase", "display_name": "Edge"}'
)
# A Cyrillic a, a fullwidth a.
NON_ASCII_ADDRESSES = ["\u0430lice@example.com", "\uff41lice@example.com"]
CONTROL_CHARACTERS = ["\r", "\n", "\x00", "\x1b", "\x7f"]


def assert_error(response: Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == response.headers["x-request-id"]


def json_body_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path with made-up IDs) of every API route that takes a JSON body."""
    for context in iter_route_contexts(app.routes):
        path = str(getattr(context, "path", ""))
        if path.startswith("/api/") and getattr(context, "body_field", None) is not None:
            for method in sorted(getattr(context, "methods", None) or ()):
                yield method, path.format_map(_AnyId())


class _AnyId(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return str(uuid.uuid4())


@dataclass
class OrgAdmin:
    client: AsyncClient
    org_id: str


@pytest.fixture
async def org_admin(new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink) -> OrgAdmin:
    """The owner of a new org (the owner may do everything an admin may)."""
    client = new_client()
    await verified_member(client, smtp_sink, "edge.owner@example.org")
    return OrgAdmin(client, await create_org(client, name="Edge Circle", slug="edge-circle"))


# 1. A JSON route takes JSON.


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
async def test_a_json_route_answers_415_to_another_media_type(
    client: AsyncClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(SIGNUP, content=SIGNUP_BODY, headers=headers)
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/vnd.roundtable+json; charset=UTF-8"],
)
async def test_json_media_types_with_parameters_are_accepted(
    client: AsyncClient, content_type: str
) -> None:
    headers = {"content-type": content_type}
    response = await client.post(SIGNUP, content=SIGNUP_BODY, headers=headers)
    assert response.status_code == 202, response.text


async def test_a_request_without_a_body_needs_no_media_type(client: AsyncClient) -> None:
    assert (await client.post("/api/v1/auth/logout")).status_code == 204


async def test_every_json_route_answers_415_to_a_text_body(
    app: FastAPI, client: AsyncClient
) -> None:
    routes = list(json_body_routes(app))
    assert len(routes) > 20
    for method, path in routes:
        response = await client.request(
            method, path, content=b'{"a": 1}', headers={"content-type": "text/plain"}
        )
        assert response.status_code == 415, (method, path, response.text)


async def test_the_api_document_names_415_wherever_it_names_a_body(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    with_body = [op for op in operations if "requestBody" in op]
    assert with_body
    assert all("415" in op["responses"] for op in with_body)


# 2. A key appears once in a JSON object.


def assert_duplicate_key_refused(response: Response) -> None:
    assert_error(response, 422, "validation_error")
    details = response.json()["error"]["details"]
    assert [detail["type"] for detail in details] == ["json_invalid"], details
    assert "duplicate key" in details[0]["message"].lower()


async def test_a_repeated_key_is_refused_rather_than_the_last_one_winning(
    org_admin: OrgAdmin, smtp_sink: SmtpSink
) -> None:
    response = await org_admin.client.post(
        f"/api/v1/orgs/{org_admin.org_id}/invites",
        content=b'{"email": "twice@example.org", "role": "member", "role": "admin"}',
        headers={"content-type": "application/json"},
    )
    assert_duplicate_key_refused(response)
    listed = await org_admin.client.get(f"/api/v1/orgs/{org_admin.org_id}/invites")
    assert listed.json()["items"] == []


async def test_a_repeated_key_in_a_nested_object_is_refused(client: AsyncClient) -> None:
    body = SIGNUP_BODY[:-1] + b', "extra": [{"deep": {"k": 1, "k": 2}}]}'
    response = await client.post(SIGNUP, content=body, headers={"content-type": "application/json"})
    assert_duplicate_key_refused(response)


async def test_every_json_route_refuses_a_repeated_key(app: FastAPI, client: AsyncClient) -> None:
    for method, path in json_body_routes(app):
        response = await client.request(
            method, path, content=b'{"k": 1, "k": 2}', headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, (method, path, response.text)
        assert response.json()["error"]["details"][0]["type"] == "json_invalid", (method, path)


# 3. An address is one the mail layer can send to.


@pytest.mark.checklist("C15")
@pytest.mark.parametrize("address", NON_ASCII_ADDRESSES)
async def test_signup_refuses_a_non_ascii_address_with_422(
    client: AsyncClient, address: str
) -> None:
    assert_error(await sign_up(client, address), 422, "validation_error")


@pytest.mark.checklist("C15")
@pytest.mark.parametrize("address", NON_ASCII_ADDRESSES)
async def test_an_invite_to_a_non_ascii_address_is_refused_with_422(
    org_admin: OrgAdmin, address: str
) -> None:
    response = await org_admin.client.post(
        f"/api/v1/orgs/{org_admin.org_id}/invites", json={"email": address, "role": "member"}
    )
    assert_error(response, 422, "validation_error")


@pytest.mark.checklist("C15")
@pytest.mark.parametrize("address", NON_ASCII_ADDRESSES)
async def test_an_email_change_to_a_non_ascii_address_is_refused_with_422(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink, address: str
) -> None:
    client = new_client()
    member = await verified_member(client, smtp_sink, "edge.changer@example.org")
    response = await client.post(
        "/api/v1/me/email-change", json={"new_email": address, "current_password": member.password}
    )
    assert_error(response, 422, "validation_error")


@pytest.mark.checklist("C15")
@pytest.mark.parametrize("address", NON_ASCII_ADDRESSES)
async def test_the_signup_page_answers_a_form_error_for_a_non_ascii_address(
    client: AsyncClient, address: str
) -> None:
    fields = {"email": address, "password": DEFAULT_PASSWORD, "display_name": "Edge"}
    response = await submit(client, "/signup", "/signup", fields)
    assert 400 <= response.status_code < 500, response.text
    assert "text/html" in response.headers["content-type"]
    assert "<form" in response.text


@pytest.mark.checklist("C15")
async def test_an_internationalized_domain_is_kept_in_its_ascii_form(
    new_client: Callable[..., AsyncClient], smtp_sink: SmtpSink
) -> None:
    client = new_client()
    assert (await sign_up(client, "alice@b\u00fccher.example")).status_code == 202
    mail = await smtp_sink.wait_for_mail_to("alice@xn--bcher-kva.example")
    assert mail.envelope_to == ["alice@xn--bcher-kva.example"]


# 4. Text holds no NUL; one-line names hold no control character.


@pytest.mark.checklist("C15")
async def test_post_search_refuses_a_nul_byte_with_422(org_admin: OrgAdmin) -> None:
    spaces = f"/api/v1/orgs/{org_admin.org_id}/spaces"
    created = await org_admin.client.post(spaces, json={"name": "Edge space"})
    assert created.status_code == 201, created.text
    posts = f"{spaces}/{created.json()['id']}/posts"
    assert_error(await org_admin.client.get(posts, params={"q": "a\x00b"}), 422, "validation_error")


@pytest.mark.checklist("C15")
async def test_a_cursor_with_a_nul_byte_is_refused_with_400(org_admin: OrgAdmin) -> None:
    members = f"/api/v1/orgs/{org_admin.org_id}/members"
    response = await org_admin.client.get(members, params={"cursor": "a\x00b"})
    assert_error(response, 400, "invalid_cursor")


@pytest.mark.checklist("C15")
@pytest.mark.parametrize("character", CONTROL_CHARACTERS)
async def test_an_org_name_with_a_control_character_is_refused_on_create(
    org_admin: OrgAdmin, character: str
) -> None:
    response = await org_admin.client.post(
        "/api/v1/orgs", json={"name": f"Evil{character}Org", "slug": "evil-org"}
    )
    assert_error(response, 422, "validation_error")


@pytest.mark.checklist("C15")
@pytest.mark.parametrize("character", CONTROL_CHARACTERS)
async def test_an_org_name_with_a_control_character_is_refused_on_update(
    org_admin: OrgAdmin, character: str
) -> None:
    org = f"/api/v1/orgs/{org_admin.org_id}"
    response = await org_admin.client.patch(org, json={"name": f"Evil{character}Org"})
    assert_error(response, 422, "validation_error")
    assert (await org_admin.client.get(org)).json()["name"] == "Edge Circle"


async def test_an_unsubscribe_token_with_a_nul_byte_is_an_invalid_token(
    client: AsyncClient,
) -> None:
    response = await client.get("/api/v1/unsubscribe/one-click", params={"token": "a\x00b"})
    assert_error(response, 400, "invalid_token")
