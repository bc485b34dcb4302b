"""Every operation of /openapi.json is documented for a person and a client generator.

Each test walks the whole generated schema and names every operation that lacks what
it checks: a written summary and description, a domain tag, its error responses in
the error model, and an example for its request body.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from httpx import AsyncClient
from pydantic import TypeAdapter, ValidationError

from app.accounts import passwords
from app.core.schemas import NEW_PASSWORD_SCHEMA, ONE_LINE_PATTERN, DisplayName

DOMAIN_TAGS = {"accounts", "orgs", "spaces", "posts", "messages", "mail", "billing", "meta"}
ERROR_REF = "#/components/schemas/Error"


@pytest.fixture
async def schema(client: AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def _component(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    component: dict[str, Any] = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return component


def _body_has_example(schema: dict[str, Any], body: dict[str, Any]) -> bool:
    media = body["content"]["application/json"]
    if "example" in media or "examples" in media:
        return True
    shape = media["schema"]
    refs = [shape.get("$ref")] + [option.get("$ref") for option in shape.get("anyOf", [])]
    return any(ref and _component(schema, ref).get("examples") for ref in refs)


async def test_the_schema_has_operations_to_check(schema: dict[str, Any]) -> None:
    assert len(_operations(schema)) > 60


async def test_every_route_in_the_schema_has_a_written_summary(app: FastAPI) -> None:
    # FastAPI would make one from the function name ("Read Me"); each is written instead.
    generated = [
        route.path
        for route in app.routes
        if isinstance(route, APIRoute) and route.include_in_schema and not route.summary
    ]
    assert generated == []


async def test_every_operation_has_a_summary_and_a_description(schema: dict[str, Any]) -> None:
    missing = [
        name
        for name, operation in _operations(schema)
        if not operation.get("summary", "").strip()
        or len(operation.get("description", "").split()) < 5
    ]
    assert missing == []


async def test_descriptions_are_clean_paragraphs(schema: dict[str, Any]) -> None:
    # A docstring's line breaks are joined: a line break inside a paragraph only starts
    # a list item.
    broken = [
        name
        for name, operation in _operations(schema)
        if re.search(r"\n(?!\n|- |\* )", operation["description"].replace("\n\n", "\0"))
    ]
    assert broken == []


async def test_every_operation_is_tagged_with_a_declared_domain(schema: dict[str, Any]) -> None:
    declared = {tag["name"] for tag in schema["tags"]}
    assert declared == DOMAIN_TAGS
    assert all(tag.get("description") for tag in schema["tags"])
    untagged = [
        name
        for name, operation in _operations(schema)
        if not operation.get("tags") or not set(operation["tags"]) <= declared
    ]
    assert untagged == []


async def test_every_operation_documents_its_errors_in_the_error_model(
    schema: dict[str, Any],
) -> None:
    # /healthz touches nothing that can fail, /readyz answers 503 in a body of its own;
    # every other operation can fail somehow.
    undocumented = [
        name
        for name, operation in _operations(schema)
        if name not in {"GET /healthz", "GET /readyz"}
        and not any(
            response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
            == ERROR_REF
            for status, response in operation["responses"].items()
            if status.startswith(("4", "5"))
        )
    ]
    assert undocumented == []


async def test_every_error_response_has_an_example_body(schema: dict[str, Any]) -> None:
    missing = [
        f"{name} {status}"
        for name, operation in _operations(schema)
        for status, response in operation["responses"].items()
        if status.startswith(("4", "5"))
        and response["content"]["application/json"]["schema"].get("$ref") == ERROR_REF
        and set(response["content"]["application/json"].get("example", {})) != {"error"}
    ]
    assert missing == []


async def test_a_noted_error_code_is_the_example_code(schema: dict[str, Any]) -> None:
    login = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]
    example = login["401"]["content"]["application/json"]["example"]

    assert example["error"]["code"] == "invalid_credentials"


async def test_every_request_body_has_an_example(schema: dict[str, Any]) -> None:
    missing = [
        name
        for name, operation in _operations(schema)
        if "requestBody" in operation and not _body_has_example(schema, operation["requestBody"])
    ]
    assert missing == []


async def test_the_documented_body_examples_are_accepted_by_the_bodies(
    schema: dict[str, Any],
) -> None:
    # An example a client copies must pass validation (it may still name unknown ids).
    from app.accounts.schemas import SignupRequest
    from app.orgs.schemas import InviteAccept, OrgCreate
    from app.posts.schemas import PostCreate

    for model in (SignupRequest, InviteAccept, OrgCreate, PostCreate):
        for example in schema["components"]["schemas"][model.__name__]["examples"]:
            model.model_validate(example)
            assert passwords.password_problem(example.get("password", "long enough")) is None


def test_the_new_password_schema_states_the_policy_lengths() -> None:
    assert NEW_PASSWORD_SCHEMA["minLength"] == passwords.MIN_LENGTH
    assert NEW_PASSWORD_SCHEMA["maxLength"] == passwords.MAX_LENGTH


@pytest.mark.parametrize("name", ["Ada", "Ada Lovelace", " Ada ", "Ελένη", "", " ", "a\nb", "a\0"])
def test_the_display_name_pattern_accepts_what_validation_accepts(name: str) -> None:
    try:
        TypeAdapter(DisplayName).validate_python(name)
        accepted = True
    except ValidationError:
        accepted = False

    assert bool(re.search(ONE_LINE_PATTERN, name)) == accepted
