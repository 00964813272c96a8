"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from parley_auth.deps import RuntimeDep

log = structlog.get_logger(__name__)
READY_TIMEOUT_SECONDS = 2.0
# The gateway checks /auth/healthz every few seconds: counted in the metrics, not logged.
QUIET_ROUTES = frozenset({"/auth/healthz"})

router = APIRouter(tags=["health"])


@router.get("/auth/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive (no dependency checked)."""
    return {"status": "ok"}


@router.get("/auth/readyz", responses={503: {"description": "database unavailable"}})
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """The database answers."""
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
