"""Liveness and metrics (from ``parley_common.health``), and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from parley_common.health import draining, health_router
from parley_common.openapi import responses

from parley_chat.deps import RuntimeDep

router = APIRouter()
router.include_router(health_router("/api/healthz"))
# The gateway checks /api/healthz every few seconds: counted in the metrics, not logged.
QUIET_ROUTES = frozenset({"/api/healthz"})


@router.get(
    "/api/readyz",
    response_model=None,
    responses=responses(
        503, describe={503: "shutting down, database unavailable or not migrated, no token keys"}
    ),
)
async def readyz(request: Request, runtime: RuntimeDep) -> dict[str, object] | JSONResponse:
    refusal = draining(request)
    if refusal is not None:
        return refusal
    try:
        migrated = await asyncio.wait_for(runtime.queries.ping(), timeout=3)
    except Exception:
        return JSONResponse({"detail": "database unavailable"}, status_code=503)
    if not migrated:
        detail = "database not migrated: run `parley-chat migrate`"
        return JSONResponse({"detail": detail}, status_code=503)
    if not runtime.verifier.ready:
        return JSONResponse({"detail": "token keys not loaded"}, status_code=503)
    # Ready even when the account feed is behind: taking every replica out because auth is
    # down would refuse every user. The state is here (and in the metrics) for operators.
    feed = runtime.accounts.status()
    return {
        "status": "ready",
        "account_changes": feed.state,
        "account_changes_seconds_since_sync": feed.seconds_since_sync,
    }
