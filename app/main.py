"""The application factory: settings, middleware order, routers, start-up checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from app.accounts.endpoints import auth_router, me_router
from app.accounts.passwords import PasswordHashing
from app.authz.policies import assert_every_route_declares_a_policy
from app.billing.endpoints import router as billing_router
from app.billing.endpoints import webhook_router
from app.core.database import Database
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.core.metrics import Metrics
from app.core.middleware.body_limit import BodyLimitMiddleware
from app.core.middleware.cors import cors_options
from app.core.middleware.host import HostMiddleware
from app.core.middleware.origin_check import OriginCheckMiddleware
from app.core.middleware.request_context import RequestContextMiddleware
from app.core.middleware.security_headers import SecurityHeadersMiddleware
from app.core.middleware.trusted_proxy import TrustedProxies, TrustedProxyMiddleware
from app.core.ratelimit import RateLimiter
from app.core.route_index import index_included_routers
from app.core.sentry import init_sentry
from app.core.settings import Environment, Settings, get_settings, refuse_a_bare_server
from app.idempotency.middleware import IdempotencyMiddleware
from app.idempotency.service import install_replay_handler
from app.mail.endpoints import router as mail_router
from app.mail.lifespan import mail_lifespan
from app.mail.service import ONE_CLICK_API_PATH
from app.messages.endpoints import router as messages_router
from app.meta.endpoints import router as meta_router
from app.openapi import install_openapi
from app.orgs.endpoints import invites_router, me_orgs_router
from app.orgs.endpoints import router as orgs_router
from app.pages.install import install_pages
from app.posts.endpoints import router as posts_router
from app.spaces.endpoints import router as spaces_router

API_PREFIX = "/api/v1"


def _lifespan(database: Database) -> object:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with mail_lifespan(app.state.settings, database) as mail_delivery:
            app.state.mail_delivery = mail_delivery
            yield
        app.state.passwords.close()
        await app.state.rate_limiter.close()
        await database.dispose()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(
        json_lines=settings.environment != Environment.DEVELOPMENT,
        level=settings.log_level,
        secret_values=settings.secret_values(),
    )
    init_sentry(settings)
    database = Database(settings)
    docs_enabled = not settings.is_production
    app = FastAPI(
        title="Roundtable",
        version="0.1.0",
        lifespan=_lifespan(database),  # type: ignore[arg-type]
        docs_url="/docs" if docs_enabled else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs_enabled else None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.metrics = Metrics()
    app.state.rate_limiter = RateLimiter.from_settings(settings, app.state.metrics)
    app.state.passwords = PasswordHashing(settings)
    install_error_handlers(app)
    install_replay_handler(app)
    app.include_router(meta_router)
    # Routes are matched in this order, one by one: the members' daily reads come first.
    app.include_router(posts_router, prefix=API_PREFIX)
    app.include_router(spaces_router, prefix=API_PREFIX)
    app.include_router(messages_router, prefix=API_PREFIX)
    app.include_router(me_router, prefix=API_PREFIX)
    app.include_router(me_orgs_router, prefix=API_PREFIX)
    app.include_router(orgs_router, prefix=API_PREFIX)
    app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(invites_router, prefix=API_PREFIX)
    app.include_router(mail_router, prefix=API_PREFIX)
    app.include_router(billing_router, prefix=API_PREFIX)
    app.include_router(webhook_router, prefix=API_PREFIX)
    install_pages(app, settings)  # member pages: routes, and their form CSRF middleware
    index_included_routers(app)  # a router with no route for the path is passed over at once
    assert_every_route_declares_a_policy(app)
    install_openapi(app)  # the error model, session cookie and CSRF header in /openapi.json
    # Each add_middleware wraps the ones added before it: innermost first.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        OriginCheckMiddleware,
        allowed_origins=[settings.public_origin, *settings.cors_origins],
        exempt_paths=frozenset({ONE_CLICK_API_PATH}),
    )
    cors = cors_options(settings)
    if cors is not None:
        app.add_middleware(CORSMiddleware, **cors)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(HostMiddleware, settings=settings)
    proxies = TrustedProxies.parse(settings.trusted_proxies)
    app.add_middleware(TrustedProxyMiddleware, proxies=proxies)
    # Added last, so it runs first: everything inside it has a request ID.
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    return app


def _create_default_app() -> FastAPI:
    settings = get_settings()
    refuse_a_bare_server(settings)
    return create_app(settings)


app = _create_default_app()
