"""The app the edge tests serve from real uvicorn processes: the real app plus the test routes.

uvicorn tests.edge.server_app:create_edge_app --factory
"""

from __future__ import annotations

from fastapi import FastAPI

from app.core.settings import load_settings
from app.main import create_app
from tests.edge.routes import edge_test_router


def create_edge_app() -> FastAPI:
    app = create_app(load_settings())
    app.include_router(edge_test_router())
    return app
