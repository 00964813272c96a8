"""Request ids, one access-log line and HTTP metrics per request (pure ASGI), and the 500 reply."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley_common.metrics import HttpMetrics

REQUEST_ID_HEADER = "X-Request-Id"
# What a client or the gateway may pass on; anything else (spaces, markup, huge) gets a new id.
_REQUEST_ID_OK = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_RAW_HEADER = REQUEST_ID_HEADER.lower().encode()
UNMATCHED = "unmatched"
METRICS_ROUTE = "/metrics"


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The incoming X-Request-Id when it is well-formed, else a new uuid4 hex."""
    for name, value in headers:
        if name == _RAW_HEADER:
            candidate = value.decode("latin-1")
            if _REQUEST_ID_OK.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RouteTemplates:
    """The full path template (``/auth/users/{id}``) of the endpoint the router picked.

    Built once from the app's routes: ``scope["route"].path`` lacks the prefixes of included
    routers, and walking the routes per request would cost more than this one lookup.
    """

    def __init__(self, app: FastAPI) -> None:
        self._by_endpoint: dict[Any, str] = {}
        for context in iter_route_contexts(app.routes):
            endpoint = getattr(context.original_route, "endpoint", None)
            if endpoint is not None and context.path_format:
                self._by_endpoint[endpoint] = context.path_format

    def __call__(self, scope: Scope) -> str:
        # Unmatched paths share one label so scanners cannot blow up the series count.
        return self._by_endpoint.get(scope.get("endpoint"), UNMATCHED)


class RequestMiddleware:
    """Binds a request id, logs one line per request and records HTTP metrics.

    ``quiet_routes`` (health checks, polled every few seconds) are counted but not logged;
    ``/metrics`` is neither.
    """

    def __init__(
        self,
        app: ASGIApp,
        metrics: HttpMetrics,
        templates: RouteTemplates,
        logger: str,
        quiet_routes: Collection[str] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates
        self.quiet_routes = frozenset(quiet_routes)
        self.log = structlog.get_logger(logger)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope["headers"])
        # Reset afterwards rather than cleared before: the id must not outlive the request
        # when several share one context (in-process clients), and one reset is cheaper.
        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        # For the 500 handler, which runs outside this middleware (Starlette's outermost layer).
        scope.setdefault("state", {})["request_id"] = request_id
        start = time.perf_counter()
        status = 500
        header = (_RAW_HEADER, request_id.encode())

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            template = self.templates(scope)
            if template != METRICS_ROUTE:
                method = scope["method"]
                self.metrics.requests.labels(method, template, str(status)).inc()
                self.metrics.latency.labels(method, template).observe(elapsed)
                if template not in self.quiet_routes:
                    # The route template, not the path: no ids or query strings (tokens) in
                    # the line, and one field less to render on the streaming hot path.
                    self.log.info(
                        "request",
                        method=method,
                        route=template,
                        status=status,
                        duration_ms=round(elapsed * 1000, 2),
                    )
            structlog.contextvars.reset_contextvars(**bound)


def internal_error_handler(
    detail: str, logger: str
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """A JSON 500 carrying the request id, and a log line with the error's stack only."""
    log = structlog.get_logger(logger)

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        request_id: str = getattr(request.state, "request_id", "")
        log.exception(
            "unhandled_error",
            error=type(exc).__name__,
            path=request.url.path,
            request_id=request_id,
        )
        headers = {REQUEST_ID_HEADER: request_id} if request_id else None
        return JSONResponse({"detail": detail}, status_code=500, headers=headers)

    return handle
