"""C15: request bodies over MAX_BODY_BYTES are refused with 413 before anything parses them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.edge.conftest import SERVED_BODY_CAP, EdgeApps
from tests.edge.servers import Server

pytestmark = pytest.mark.checklist("C15")

CAP = 1024
BODY_SIZE = "/api/v1/edge-test/body-size"


async def chunks(count: int, size: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield b"x" * size


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["request_id"] == response.headers["X-Request-ID"]


async def test_a_declared_length_over_the_cap_is_refused_with_413(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(max_body_bytes=CAP))
    assert_too_large(await client.post(BODY_SIZE, content=b"x" * (CAP + 1)))


async def test_a_body_of_exactly_the_cap_is_accepted(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(max_body_bytes=CAP))
    response = await client.post(BODY_SIZE, content=b"x" * CAP)
    assert response.json() == {"size": CAP}


async def test_a_chunked_body_growing_past_the_cap_is_refused_with_413(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(max_body_bytes=CAP))
    response = await client.post(BODY_SIZE, content=chunks(5, 300))
    assert "content-length" not in response.request.headers
    assert_too_large(response)


async def test_a_chunked_body_within_the_cap_is_accepted(edge: EdgeApps) -> None:
    client = await edge.client(await edge.build(max_body_bytes=CAP))
    response = await client.post(BODY_SIZE, content=chunks(3, 300))
    assert response.json() == {"size": 900}


async def test_an_oversized_chunked_json_body_is_refused_before_validation(
    edge: EdgeApps,
) -> None:
    client = await edge.client(await edge.build(max_body_bytes=CAP))
    document = json.dumps({"text": "y" * 2 * CAP}).encode()

    async def one_chunk() -> AsyncIterator[bytes]:
        yield document

    response = await client.post(
        "/api/v1/edge-test/note", content=one_chunk(), headers={"Content-Type": "application/json"}
    )
    assert_too_large(response)


def test_a_real_server_refuses_an_oversized_chunked_body(served: list[Server]) -> None:
    url = f"{served[0].url}{BODY_SIZE}"

    def body(count: int) -> Iterator[bytes]:
        for _ in range(count):
            yield b"z" * 400

    assert httpx.post(url, content=body(2), timeout=5).json() == {"size": 800}
    assert_too_large(httpx.post(url, content=body(4), timeout=5))
    assert_too_large(httpx.post(url, content=b"z" * (SERVED_BODY_CAP + 1), timeout=5))
