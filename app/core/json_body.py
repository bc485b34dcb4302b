"""JSON request bodies, read strictly: JSON media types only, and each key once (C15).

Every API router is made by `api_router`, whose routes read a JSON body through
`JsonBodyRequest`:

- a body sent as anything but `application/json` or `application/<x>+json` (say a
  form, XML, text, or no Content-Type) is answered 415 `unsupported_media_type`;
  a request without a body is never refused for its media type;
- a key repeated in any JSON object, at any depth, is a 422 `json_invalid`, where
  `json.loads` would keep the last one (`{"role": "member", "role": "admin"}`).

Both happen while FastAPI reads the body, before the route's dependencies run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response, params
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from app.core.logging import remember_secret_fields

UNSUPPORTED_MEDIA_TYPE = "This route takes a JSON body (Content-Type: application/json)."

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def is_json_media_type(content_type: str | None) -> bool:
    """`application/json` or `application/<x>+json`, with any parameters."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    kind, _, subtype = media_type.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    remember_secret_fields(pairs)  # a posted password is never logged by value
    result = dict(pairs)
    if len(result) < len(pairs):
        # FastAPI answers a JSONDecodeError from the body as a 422 json_invalid.
        raise json.JSONDecodeError(f"Duplicate key {_repeated(pairs)!r}", "", 0)
    return result


def _repeated(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    raise AssertionError("no key is repeated")


def loads_strict(body: bytes) -> Any:
    """`json.loads`, refusing an object that repeats a key."""
    return json.loads(body, object_pairs_hook=_unique_keys)


class JsonBodyRequest(Request):
    async def body(self) -> bytes:
        body = await super().body()
        if body and not is_json_media_type(self.headers.get("content-type")):
            raise HTTPException(status_code=415, detail=UNSUPPORTED_MEDIA_TYPE)
        return body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_strict(await self.body())
        return self._json


class JsonBodyRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if self.body_field is None or isinstance(self.body_field.field_info, params.Form):
            return handler

        async def json_body_handler(request: Request) -> Response:
            return await handler(JsonBodyRequest(request.scope, request.receive))

        return json_body_handler


def api_router(**options: Any) -> APIRouter:
    """An APIRouter whose routes read their JSON bodies strictly."""
    return APIRouter(route_class=JsonBodyRoute, **options)
