"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import structlog
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from parley_common.body_limit import BodyLimit, BodyLimitMiddleware
from parley_common.db_errors import add_database_error_handlers
from parley_common.drain import Lifecycle
from parley_common.middleware import RequestMiddleware, RouteTemplates, internal_error_handler
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from parley_chat.accounts import AccountFeed, AccountFollower, AccountStates
from parley_chat.audit import AuditForwarder
from parley_chat.catalog import CatalogView
from parley_chat.catalog.setup import build_catalog, read_only_catalog
from parley_chat.config import Settings
from parley_chat.keys import ApiKeys, KeyVerifier, LastUseFlusher
from parley_chat.observability import Metrics, configure_logging
from parley_chat.openai_api import errors as openai_errors
from parley_chat.openai_api.metering import Meters
from parley_chat.providers import ProviderClients
from parley_chat.routes import admin, chats, health, keys, models, usage, v1
from parley_chat.runs import RunManager
from parley_chat.runtime import Runtime
from parley_chat.storage import (
    AccountQueries,
    ApiKeyQueries,
    ChatQueries,
    FinalSaves,
    LeaseQueries,
    LedgerQueries,
    OutboxQueries,
    context_budget,
    create_chat_db,
    create_engine,
    migrate,
    model_budgets,
    warm_up,
)
from parley_chat.storage.budgets import BudgetQueries
from parley_chat.storage.usage_reports import UsageReportQueries
from parley_chat.tokens import TokenVerifier
from parley_chat.usage import UsageRefused
from parley_chat.usage.budgets import BudgetAdmin
from parley_chat.usage.reports import UsageReports

log = structlog.get_logger("parley_chat.app")


def _account_follower(
    settings: Settings,
    engine: AsyncEngine,
    states: AccountStates,
    metrics: Metrics,
    http: httpx.AsyncClient | None,
) -> AccountFollower:
    """The follower of auth's account changes; off (``http`` None) without AUTH_URL and
    SERVICE_TOKEN, which is logged once."""
    feed: AccountFeed | None = None
    if http is not None and settings.AUTH_URL and settings.SERVICE_TOKEN:
        feed = AccountFeed(settings.AUTH_URL, settings.SERVICE_TOKEN.get_secret_value(), http)
    else:
        # Without the feed, tokens of deleted users and of changed passwords are accepted
        # until they expire: fine on a laptop, worth a warning in production.
        report = log.warning if settings.is_production else log.info
        report("account_changes_off", reason="AUTH_URL or SERVICE_TOKEN unset")
    return AccountFollower(
        feed=feed,
        queries=AccountQueries(engine, settings.DB_SCHEMA),
        states=states,
        metrics=metrics,
        poll_seconds=settings.ACCOUNT_CHANGES_POLL_SECONDS,
    )


def _audit_forwarder(
    settings: Settings, engine: AsyncEngine, metrics: Metrics, http: httpx.AsyncClient | None
) -> AuditForwarder:
    """The forwarder of catalog audit events to auth; off (events kept in the outbox, logged
    once) without AUTH_URL and SERVICE_TOKEN."""
    token = settings.SERVICE_TOKEN.get_secret_value() if settings.SERVICE_TOKEN else None
    forwarder = AuditForwarder(
        outbox=OutboxQueries(engine, settings.DB_SCHEMA),
        auth_url=settings.AUTH_URL,
        service_token=token,
        http=http,
        metrics=metrics,
    )
    if not forwarder.enabled:
        report = log.warning if settings.is_production else log.info
        report("audit_forwarding_off", reason="AUTH_URL or SERVICE_TOKEN unset")
    return forwarder


def create_app(settings: Settings | None = None, catalog: CatalogView | None = None) -> FastAPI:
    """Build the chat service; every dependency is made in the lifespan from ``settings``
    (the model catalog too, unless one is given)."""
    settings = settings or Settings()
    configure_logging(settings.LOG_LEVEL, settings.LOG_JSON)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # First: a bad MODELS_FILE (or a key it names that is missing) refuses the start.
        read_only = read_only_catalog(settings)
        engine = create_engine(settings)
        # Auth's feed and audit log, with the same base URL and service token.
        auth_http = httpx.AsyncClient(timeout=5.0) if settings.follows_account_changes else None
        audit = _audit_forwarder(settings, engine, metrics, auth_http)
        built = build_catalog(settings, engine, read_only, audit.outbox, audit.wake)
        # Filled by agno's save path, read by the run side: one object given to both.
        final_saves = FinalSaves()
        # The models and providers a turn may use, read in memory by every turn (tests may
        # give a fixed one; the admin API still edits the stored entries).
        models = catalog or built.live
        # One budget per model (and one cache of counted runs per tokenizer) for the route
        # and the history reads; the LLM_* model's when a read has no turn (never in a run).
        budgets = model_budgets(settings)
        db = create_chat_db(settings, engine, final_saves, context_budget(settings))
        queries = ChatQueries(engine, settings.DB_SCHEMA)
        lease_queries = LeaseQueries(engine, settings.DB_SCHEMA)
        ledger = LedgerQueries(engine, settings.DB_SCHEMA)
        clients = ProviderClients()
        jwks_http = httpx.AsyncClient(timeout=5.0) if settings.AUTH_JWKS_URL else None
        # What the feed says about users, read by the token check on every request.
        account_states = AccountStates()
        accounts = _account_follower(settings, engine, account_states, metrics, auth_http)
        verifier = TokenVerifier(
            issuer=settings.JWT_ISSUER,
            audience=settings.JWT_AUDIENCE,
            leeway=settings.JWT_LEEWAY_SECONDS,
            keys_file=settings.AUTH_PUBLIC_KEYS_FILE,
            jwks_url=settings.AUTH_JWKS_URL,
            refetch_interval=settings.JWKS_REFETCH_INTERVAL_SECONDS,
            reload_interval=settings.AUTH_KEYS_RELOAD_SECONDS,
            http_client=jwks_http,
            accounts=account_states,
        )
        key_queries = ApiKeyQueries(engine, settings.DB_SCHEMA, audit.outbox)
        last_use = LastUseFlusher(key_queries)
        key_verifier = KeyVerifier(key_queries, account_states, last_use)
        runs = RunManager(
            settings, db, queries, lease_queries, ledger, final_saves, models, clients, metrics
        )
        budget_queries = BudgetQueries(engine, settings.DB_SCHEMA, audit.outbox)
        usage_reports = UsageReports(
            settings, UsageReportQueries(engine, settings.DB_SCHEMA), budget_queries
        )
        try:
            if settings.MIGRATE_ON_START:
                await migrate(db)
            await warm_up(db)
            await built.live.start()
            await verifier.start()
            await runs.start()
            # After the runs: a deletion applied at start cancels this replica's runs too.
            await accounts.start()
            await audit.start()
            await last_use.start()
            app.state.runtime = Runtime(
                settings=settings,
                db=db,
                catalog=models,
                catalog_admin=built.admin,
                budgets=budgets,
                queries=queries,
                clients=clients,
                verifier=verifier,
                keys=ApiKeys(key_queries, audit.wake),
                key_verifier=key_verifier,
                accounts=accounts,
                audit=audit,
                runs=runs,
                meters=Meters(settings, ledger, runs.leases.call_holds),
                metrics=metrics,
                usage=usage_reports,
                budget_admin=BudgetAdmin(budget_queries, audit.wake),
            )
            log.info("chat_started", env=settings.ENV, replica=runs.owner)
            yield
        finally:
            await last_use.stop()
            await audit.stop()
            await accounts.stop()
            await runs.stop()
            await built.live.stop()
            await verifier.close()
            await clients.close()
            for http in (jwks_http, auth_http):
                if http is not None:
                    await http.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Parley chat",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs" if settings.api_docs_enabled else None,
        openapi_url="/api/openapi.json" if settings.api_docs_enabled else None,
        redoc_url=None,
    )
    app.state.lifecycle = Lifecycle()
    app.state.metrics = metrics  # read by parley_common.health's /metrics, as in auth
    app.include_router(health.router)
    app.include_router(chats.router)
    app.include_router(models.router)
    app.include_router(admin.router)
    app.include_router(keys.router)
    app.include_router(keys.admin_router)
    app.include_router(usage.router)
    app.include_router(usage.admin_router)
    app.include_router(v1.router)
    openai_errors.document_400_not_422(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if openai_errors.is_v1(request):
            return openai_errors.from_validation(exc)  # OpenAI's 400, as its SDKs expect
        # Without the offending input: it may be huge, private, or not even encodable
        # (a lone surrogate would turn the 422 into a 500).
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(HTTPException)
    async def _refused(request: Request, exc: HTTPException) -> Response:
        if openai_errors.is_v1(request):
            return openai_errors.from_http_exception(exc)
        return await http_exception_handler(request, exc)

    @app.exception_handler(UsageRefused)
    async def _over_limit(request: Request, exc: UsageRefused) -> JSONResponse:
        if openai_errors.is_v1(request):
            return openai_errors.usage_refused(exc)
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"detail": exc.detail()}, status_code=429, headers=headers)

    app.add_exception_handler(openai_errors.OpenAIError, openai_errors.openai_error_handler)
    add_database_error_handlers(app, "parley_chat.app")
    app.add_exception_handler(
        Exception, internal_error_handler("internal error", "parley_chat.app")
    )

    # Outside the routes (authentication, validation), inside CORS and the request middleware,
    # so a 413 carries the CORS headers and the request id and is logged like any answer.
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.MAX_BODY_BYTES,
        routes=[
            BodyLimit(r"/api/chats/[^/]+/messages", settings.MAX_MESSAGE_BODY_BYTES),
            # A whole conversation per request: the room a chat message has.
            BodyLimit(
                r"/api/v1/chat/completions",
                settings.MAX_MESSAGE_BODY_BYTES,
                openai_errors.too_large,
            ),
            BodyLimit(r"/api/v1/.*", settings.MAX_BODY_BYTES, openai_errors.too_large),
        ],
    )
    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Last-Event-ID", "X-Request-Id"],
            expose_headers=["X-Request-Id", "Retry-After", "Content-Disposition"],
            allow_credentials=False,
        )
    app.add_middleware(
        RequestMiddleware,
        metrics=metrics,
        templates=RouteTemplates(app),
        logger="parley_chat.access",
        quiet_routes=health.QUIET_ROUTES,
    )
    # Outermost, so logs and redirects see the client's scheme and address when (and only
    # when) the peer is the gateway; `parley-chat serve` leaves this to the app.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.FORWARDED_ALLOW_IPS)
    return app
