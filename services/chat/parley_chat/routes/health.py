"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from parley_common.drain import Lifecycle
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from parley_chat.deps import RuntimeDep

router = APIRouter()
# The gateway checks /api/healthz every few seconds: counted in the metrics, not logged.
QUIET_ROUTES = frozenset({"/api/healthz"})


def _draining(request: Request) -> JSONResponse | None:
    lifecycle: Lifecycle = request.app.state.lifecycle
    return lifecycle.unavailable()


@router.get("/api/healthz", response_model=None)
async def healthz(request: Request) -> dict[str, str] | JSONResponse:
    return _draining(request) or {"status": "ok"}


@router.get("/api/readyz", response_model=None)
async def readyz(request: Request, runtime: RuntimeDep) -> dict[str, str] | JSONResponse:
    draining = _draining(request)
    if draining is not None:
        return draining
    try:
        migrated = await asyncio.wait_for(runtime.queries.ping(), timeout=3)
    except Exception:
        return JSONResponse({"detail": "database unavailable"}, status_code=503)
    if not migrated:
        detail = "database not migrated: run `parley-chat migrate`"
        return JSONResponse({"detail": detail}, status_code=503)
    if not runtime.verifier.ready:
        return JSONResponse({"detail": "token keys not loaded"}, status_code=503)
    return {"status": "ready"}


@router.get("/metrics", include_in_schema=False)
async def metrics(runtime: RuntimeDep) -> Response:
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
