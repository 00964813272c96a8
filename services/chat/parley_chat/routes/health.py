"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from parley_chat.deps import ServicesDep

router = APIRouter()


@router.get("/api/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/readyz", response_model=None)
async def readyz(services: ServicesDep) -> dict[str, str] | JSONResponse:
    try:
        migrated = await asyncio.wait_for(services.queries.ping(), timeout=3)
    except Exception:
        return JSONResponse({"detail": "database unavailable"}, status_code=503)
    if not migrated:
        detail = "database not migrated: run `parley-chat migrate`"
        return JSONResponse({"detail": detail}, status_code=503)
    if not services.verifier.ready:
        return JSONResponse({"detail": "token keys not loaded"}, status_code=503)
    return {"status": "ready"}


@router.get("/metrics", include_in_schema=False)
async def metrics(services: ServicesDep) -> Response:
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
