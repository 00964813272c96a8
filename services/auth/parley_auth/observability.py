"""structlog JSON logs with request ids, and Prometheus metrics, as pure ASGI middleware."""

from __future__ import annotations

import logging
import sys
import time
import traceback
import uuid
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("parley_auth.access")
QUIET_PATHS = frozenset({"/auth/healthz"})

REQUEST_ID_HEADER = "x-request-id"


def traceback_without_values(_: Any, __: str, event_dict: Any) -> Any:
    """An exception as its stack (files, lines, code) and its type only: its message and the
    local variables can carry users' messages, emails or tokens, which stay out of the logs."""
    exc_info = event_dict.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if exc_info and exc_info[0] is not None:
        frames = "".join(traceback.format_tb(exc_info[2]))
        event_dict["exception"] = (
            f"Traceback (most recent call last):\n{frames}{exc_info[0].__qualname__}"
        )
    return event_dict


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is now (it may be swapped, e.g. by pytest)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def configure_logging(level: str) -> None:
    """JSON lines on stdout; standard-library loggers (uvicorn, alembic) go through it too."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            traceback_without_values,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )
    handler = _StdoutHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                traceback_without_values,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log would duplicate ours (and print query strings).
    logging.getLogger("uvicorn.access").disabled = True


class RouteTemplates:
    """Maps the endpoint the router picked to its full path template (``/auth/users/{id}``)."""

    def __init__(self, app: FastAPI) -> None:
        self._by_endpoint: dict[Any, str] = {}
        for context in iter_route_contexts(app.routes):
            endpoint = getattr(context.original_route, "endpoint", None)
            if endpoint is not None and context.path_format:
                self._by_endpoint[endpoint] = context.path_format

    def __call__(self, scope: Scope) -> str:
        # Unmatched paths share one label so scanners cannot blow up the series count.
        return self._by_endpoint.get(scope.get("endpoint"), "unmatched")


class RequestContextMiddleware:
    """Binds the request id (X-Request-Id or a new one) to the logs and echoes it back."""

    def __init__(self, app: ASGIApp, templates: RouteTemplates) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming[:128] if incoming.isprintable() and incoming else uuid.uuid4().hex
        status = 500
        started = time.perf_counter()
        # For the 500 handler, which runs outside this middleware (Starlette's outermost layer).
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode("latin-1")),
                ]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                # Path only: query strings may carry tokens. Health checks (the gateway's,
                # every few seconds) stay out of the log; their metrics remain.
                if scope["path"] not in QUIET_PATHS:
                    log.info(
                        "request",
                        method=scope["method"],
                        path=scope["path"],
                        route=self.templates(scope),
                        status=status,
                        duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    )


class Metrics:
    """Per-app registry, so several apps (tests) never collide on a global one."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )


class MetricsMiddleware:
    """Counts requests and observes latency by route template (not raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, templates: RouteTemplates) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = self.templates(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
