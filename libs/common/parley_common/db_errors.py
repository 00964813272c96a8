"""The database's failures as JSON 503s, the same in every service (never a 500)."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


def add_database_error_handlers(app: FastAPI, logger: str) -> None:
    """Database down: 503 ``database unavailable``; pool exhausted: 503 with Retry-After."""
    log = structlog.get_logger(logger)

    async def database_down(request: Request, exc: Exception) -> JSONResponse:
        log.error("database_error", error=type(exc).__name__)
        return JSONResponse({"detail": "database unavailable"}, status_code=503)

    async def pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
        # Every database connection of this process stayed busy for the pool timeout: an
        # overload, so the client may retry (and the gateway may try another replica).
        log.warning("database_pool_exhausted")
        return JSONResponse(
            {"detail": "service busy, retry shortly"},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    app.add_exception_handler(OperationalError, database_down)
    app.add_exception_handler(DBAPIError, database_down)
    app.add_exception_handler(PoolTimeout, pool_exhausted)
