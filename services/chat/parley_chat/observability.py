"""JSON logs with request ids, Prometheus metrics and the pure-ASGI middleware feeding both."""

from __future__ import annotations

import logging
import re
import sys
import time
import traceback
import uuid
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
QUIET_ROUTES = frozenset({"/api/healthz"})


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


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    """Route stdlib and structlog output through one JSON renderer on stdout."""
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _StdoutHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                traceback_without_values,
                renderer,
            ],
            foreign_pre_chain=processors,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log duplicates ours and lacks the request id.
    logging.getLogger("uvicorn.access").disabled = True
    # One line per LLM request is noise at INFO; failures are logged by the run itself.
    for name in ("httpx", "httpx2", "openai"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # agno logs provider error text (may carry secrets) and resets its logger level on each
    # run, so a filter (which survives that) keeps its records out; we log run outcomes ourselves.
    for name in ("agno", "agno-team", "agno-workflow"):
        agno_logger = logging.getLogger(name)
        if not any(isinstance(f, _DropBelowCritical) for f in agno_logger.filters):
            agno_logger.addFilter(_DropBelowCritical())


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at emit time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class _DropBelowCritical(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.CRITICAL


class Metrics:
    """The service's Prometheus metrics in their own registry (one per app instance)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "parley_chat_http_requests_total",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "parley_chat_http_request_duration_seconds",
            "HTTP request latency (streams: until the response ends).",
            ["method", "route"],
            registry=self.registry,
        )
        self.runs_started = Counter(
            "parley_chat_runs_started_total", "Agent runs started.", registry=self.registry
        )
        self.runs_completed = Counter(
            "parley_chat_runs_completed_total", "Agent runs completed.", registry=self.registry
        )
        self.runs_failed = Counter(
            "parley_chat_runs_failed_total",
            "Agent runs that failed, by code.",
            ["code"],
            registry=self.registry,
        )
        self.runs_cancelled = Counter(
            "parley_chat_runs_cancelled_total", "Agent runs cancelled.", registry=self.registry
        )
        self.runs_active = Gauge(
            "parley_chat_runs_active", "Runs in flight in this process.", registry=self.registry
        )
        self.time_to_first_token = Histogram(
            "parley_chat_time_to_first_token_seconds",
            "From accepting a message to the first reply text.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 60),
            registry=self.registry,
        )
        self.open_streams = Gauge(
            "parley_chat_open_streams", "SSE responses currently open.", registry=self.registry
        )


class RequestMiddleware:
    """Binds a request id, logs one line per request and records HTTP metrics (pure ASGI)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = structlog.get_logger("parley_chat.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if _REQUEST_ID_OK.match(candidate):
                    request_id = candidate
                break
        if not request_id:
            request_id = uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        # For the 500 handler, which runs outside this middleware (Starlette's outermost layer).
        scope.setdefault("state", {})["request_id"] = request_id
        start = time.perf_counter()
        status = 500
        header_value = request_id.encode()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", header_value)]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            if template != "/metrics":
                self.metrics.requests.labels(method, template, str(status)).inc()
                self.metrics.latency.labels(method, template).observe(elapsed)
                # The gateway checks /api/healthz every few seconds: counted, not logged.
                if template not in QUIET_ROUTES:
                    self.log.info(
                        "request",
                        method=method,
                        route=template,
                        status=status,
                        duration_ms=round(elapsed * 1000, 2),
                    )
