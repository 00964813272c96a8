"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from parley_common.drain import Lifecycle
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from parley_auth.deps import RuntimeDep

log = structlog.get_logger(__name__)
READY_TIMEOUT_SECONDS = 2.0
# The gateway checks /auth/healthz every few seconds: counted in the metrics, not logged.
QUIET_ROUTES = frozenset({"/auth/healthz"})

router = APIRouter(tags=["health"])


def _draining(request: Request) -> JSONResponse | None:
    lifecycle: Lifecycle = request.app.state.lifecycle
    return lifecycle.unavailable()


@router.get("/auth/healthz", response_model=None)
async def healthz(request: Request) -> dict[str, str] | JSONResponse:
    """The process is alive (no dependency checked); 503 once it is shutting down."""
    return _draining(request) or {"status": "ok"}


@router.get(
    "/auth/readyz",
    response_model=None,
    responses={503: {"description": "database unavailable or shutting down"}},
)
async def readyz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """The database answers."""
    draining = _draining(request)
    if draining is not None:
        return draining
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready", never a 500
        log.warning("readyz.database_unavailable", error=type(exc).__name__)
        return JSONResponse(
            {"status": "unavailable", "detail": "database unavailable"}, status_code=503
        )
    return JSONResponse({"status": "ok"})


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
