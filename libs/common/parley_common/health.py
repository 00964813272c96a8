"""Liveness and ``/metrics``, the same in every service; each service keeps its own readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from parley_common.drain import Lifecycle
from parley_common.metrics import HttpMetrics
from parley_common.openapi import responses


def draining(request: Request) -> JSONResponse | None:
    """The 503 every health check answers while the process drains, else None.

    Reads ``app.state.lifecycle`` (a ``Lifecycle``), which the server loop flips on SIGTERM.
    """
    lifecycle: Lifecycle = request.app.state.lifecycle
    return lifecycle.unavailable()


def health_router(healthz_path: str) -> APIRouter:
    """``GET healthz_path`` (liveness) and ``GET /metrics`` (``app.state.metrics``'s registry).

    A service includes it in the router that holds its own readiness check.
    """
    router = APIRouter()

    @router.get(
        healthz_path,
        response_model=None,
        responses=responses(503, describe={503: "shutting down"}),
    )
    async def healthz(request: Request) -> dict[str, str] | JSONResponse:
        """The process is alive (no dependency checked); 503 once it is shutting down."""
        return draining(request) or {"status": "ok"}

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        http_metrics: HttpMetrics = request.app.state.metrics
        return Response(generate_latest(http_metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
