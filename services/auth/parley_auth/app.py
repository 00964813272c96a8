"""Application factory: ``create_app(settings)``; everything stateful is built in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from parley_common.background import BackgroundWork
from parley_common.body_limit import BodyLimitMiddleware
from parley_common.db_errors import add_database_error_handlers
from parley_common.drain import Lifecycle
from parley_common.logs import configure_logging
from parley_common.metrics import HttpMetrics
from parley_common.middleware import RequestMiddleware, RouteTemplates, internal_error_handler
from parley_common.openapi import declare, has_body
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from parley_auth.audit import remember_actor
from parley_auth.config import Settings, with_development_secrets
from parley_auth.db import create_engine, create_sessionmaker
from parley_auth.deps import CurrentSuperuser, fastapi_users
from parley_auth.devices import DeviceCookies, session_secret
from parley_auth.housekeeping import purge_forever
from parley_auth.keys import load_signing_keys
from parley_auth.mail import Mailer, build_mailer
from parley_auth.origins import AllowedOrigins
from parley_auth.paging import INVALID_CURSOR, InvalidCursor
from parley_auth.passwords import AsyncPasswordHelper
from parley_auth.rate_limits import MAIL_LIMITS, TOKEN_LIMIT, limit_route
from parley_auth.refresh import RefreshTokens
from parley_auth.refusals import Refused
from parley_auth.routes import (
    account,
    admin_groups,
    admin_settings,
    admin_users,
    health,
    internal,
    jwks,
    register,
    session,
    sso,
)
from parley_auth.runtime import Runtime
from parley_auth.schemas import UserRead, UserUpdate
from parley_auth.sso.only import guard_route
from parley_auth.sso.service import SingleSignOn
from parley_auth.throttle import LoginThrottle
from parley_auth.tokens import AccessTokens

log = structlog.get_logger(__name__)


def build_runtime(settings: Settings, mailer: Mailer | None = None) -> Runtime:
    """Load keys and build the shared objects; raises SettingsError on unusable settings."""
    settings.check_production()
    keys = load_signing_keys(settings)
    engine = create_engine(settings)
    secret = session_secret(settings)
    return Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        passwords=AsyncPasswordHelper(
            settings.PASSWORD_HASH_PROFILE, settings.PASSWORD_HASH_WORKERS
        ),
        access_tokens=AccessTokens(
            keys,
            issuer=settings.JWT_ISSUER,
            audience=settings.JWT_AUDIENCE,
            lifetime_seconds=settings.ACCESS_TOKEN_TTL_SECONDS,
        ),
        refresh_tokens=RefreshTokens(
            settings.REFRESH_TOKEN_TTL_DAYS, secret, settings.REFRESH_REUSE_GRACE_SECONDS
        ),
        throttle=LoginThrottle(settings),
        devices=DeviceCookies(secret),
        origins=AllowedOrigins(settings),
        mailer=mailer or build_mailer(settings),
        background=BackgroundWork(),
        sso=SingleSignOn(settings, secret),
    )


async def remember_superuser(request: Request, admin: CurrentSuperuser) -> None:
    remember_actor(request, admin)


async def _refused(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Refused)
    return JSONResponse({"detail": error.code}, status_code=error.status)


async def _invalid_cursor(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": INVALID_CURSOR}, status_code=422)


def create_app(settings: Settings, *, mailer: Mailer | None = None) -> FastAPI:
    """The auth service; refuses production settings with dev secrets (SettingsError)."""
    configure_logging(settings.LOG_LEVEL, settings.LOG_JSON)
    settings, generated = with_development_secrets(settings)
    if generated:
        log.warning(
            "secrets.ephemeral",
            detail="unset: random for this process, mailed links die with it",
            settings=generated,
        )
    runtime = build_runtime(settings, mailer)
    if not settings.SIGNING_KEY_FILES:
        log.warning("keys.ephemeral", detail="SIGNING_KEY_FILES unset: using a throwaway key")
    if settings.is_production and not settings.SMTP_HOST and mailer is None:
        log.warning("mail.disabled", detail="SMTP_HOST unset: reset and verify mails are dropped")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("auth.started", env=settings.ENV, kids=[k.kid for k in runtime.access_tokens.keys])
        housekeeping = asyncio.create_task(
            purge_forever(runtime.sessionmaker, settings),
            name="housekeeping",
        )
        try:
            yield
        finally:
            housekeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await housekeeping
            await runtime.background.drain(wait_seconds=10)
            runtime.passwords.close()
            await runtime.engine.dispose()

    app = FastAPI(
        title="Parley auth",
        lifespan=lifespan,
        docs_url="/auth/docs" if settings.api_docs_enabled else None,
        redoc_url=None,
        openapi_url="/auth/openapi.json" if settings.api_docs_enabled else None,
        swagger_ui_oauth2_redirect_url="/auth/docs/oauth2-redirect",
    )
    app.state.runtime = runtime
    app.state.lifecycle = Lifecycle()
    app.state.metrics = HttpMetrics("auth")

    reset_router = fastapi_users.get_reset_password_router()
    guard_route(reset_router, "POST", "/forgot-password")
    guard_route(reset_router, "POST", "/reset-password")
    limit_route(reset_router, "POST", "/forgot-password", *MAIL_LIMITS)
    limit_route(reset_router, "POST", "/reset-password", TOKEN_LIMIT)
    verify_router = fastapi_users.get_verify_router(UserRead)
    limit_route(verify_router, "POST", "/request-verify-token", *MAIL_LIMITS)
    limit_route(verify_router, "POST", "/verify", TOKEN_LIMIT)

    app.include_router(health.router)
    app.include_router(jwks.router)
    app.include_router(session.router)
    app.include_router(sso.router)
    app.include_router(register.router)
    app.include_router(register.invites)
    # Before fastapi-users' users router, whose /me routes are dropped below.
    app.include_router(account.router)
    app.include_router(internal.router)
    app.include_router(admin_users.router)
    app.include_router(admin_groups.router)
    app.include_router(admin_settings.router)
    superuser_routes = fastapi_users.get_users_router(UserRead, UserUpdate)
    superuser_routes.routes = [
        route
        for route in superuser_routes.routes
        if not (isinstance(route, APIRoute) and route.path == "/me")
    ]
    # Our UserManager hooks audit these routes' changes with the acting superuser.
    superuser_routes.dependencies.append(Depends(remember_superuser))
    # fastapi-users declares its own statuses; ours come on top: the body limit, the database.
    for router, prefix, tags in (
        (reset_router, "/auth", ["auth"]),
        (verify_router, "/auth", ["auth"]),
        (superuser_routes, "/auth/users", ["users"]),
    ):
        declare(router, 413, 422, when=has_body)
        declare(router, 503)
        app.include_router(router, prefix=prefix, tags=list(tags))

    add_database_error_handlers(app, __name__)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(InvalidCursor, _invalid_cursor)
    app.add_exception_handler(Exception, internal_error_handler("Internal Server Error", __name__))

    # Outside the routes (authentication, validation), inside CORS and the request middleware,
    # so a 413 carries the CORS headers and the request id and is logged like any answer.
    app.add_middleware(BodyLimitMiddleware, default=settings.MAX_BODY_BYTES)
    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
        )
    app.add_middleware(
        RequestMiddleware,
        metrics=app.state.metrics,
        templates=RouteTemplates(app),
        logger="parley_auth.access",
        quiet_routes=health.QUIET_ROUTES,
    )
    # Outermost, so logs and the refresh cookie see the client's scheme and address when (and
    # only when) the peer is the gateway; `parley-auth serve` leaves this to the app.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.FORWARDED_ALLOW_IPS)
    return app
