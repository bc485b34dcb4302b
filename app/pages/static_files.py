"""The pages' first-party assets: one public route per file, cacheable."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from app.authz.policies import PublicRoute

STATIC = Path(__file__).with_name("static")
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
CACHE = {"cache-control": "public, max-age=3600"}

router = APIRouter(include_in_schema=False)


def _serve(path: Path) -> Callable[..., Coroutine[Any, Any, Response]]:
    content, media_type = path.read_bytes(), TYPES[path.suffix]

    async def asset(_: PublicRoute) -> Response:
        return Response(content, media_type=media_type, headers=CACHE)

    return asset


for _file in sorted(STATIC.iterdir()):
    if _file.suffix in TYPES:
        router.add_api_route(f"/static/{_file.name}", _serve(_file), methods=["GET", "HEAD"])
