"""Liveness and Prometheus metrics (from ``parley_common.health``), and readiness."""

from __future__ import annotations

import asyncio

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from parley_common.health import draining, health_router
from parley_common.openapi import responses
from sqlalchemy import text

from parley_auth.deps import RuntimeDep

log = structlog.get_logger(__name__)
READY_TIMEOUT_SECONDS = 2.0
# The gateway checks /auth/healthz every few seconds: counted in the metrics, not logged.
QUIET_ROUTES = frozenset({"/auth/healthz"})

router = APIRouter(tags=["health"])
router.include_router(health_router("/auth/healthz"))


@router.get(
    "/auth/readyz",
    response_model=None,
    responses=responses(503, describe={503: "database unavailable or shutting down"}),
)
async def readyz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """The database answers."""
    refusal = draining(request)
    if refusal is not None:
        return refusal
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready", never a 500
        log.warning("readyz.database_unavailable", error=type(exc).__name__)
        return JSONResponse(
            {"status": "unavailable", "detail": "database unavailable"}, status_code=503
        )
    return JSONResponse({"status": "ok"})
