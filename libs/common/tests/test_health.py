"""The shared liveness check and ``/metrics``: 200 while serving, 503 once draining."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from parley_common.drain import Lifecycle
from parley_common.health import draining, health_router
from parley_common.metrics import HttpMetrics


def build_app() -> FastAPI:
    app = FastAPI()
    app.state.lifecycle = Lifecycle()
    app.state.metrics = HttpMetrics("demo")
    router = APIRouter()
    router.include_router(health_router("/demo/healthz"))

    @router.get("/demo/readyz", response_model=None)
    async def readyz(request: Request) -> dict[str, str] | JSONResponse:
        return draining(request) or {"status": "ready"}

    app.include_router(router)
    return app


async def test_liveness_and_metrics_then_503_while_draining() -> None:
    app = build_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        alive = await client.get("/demo/healthz")
        assert alive.status_code == 200 and alive.json() == {"status": "ok"}
        assert (await client.get("/demo/readyz")).json() == {"status": "ready"}
        exposition = await client.get("/metrics")
        assert exposition.status_code == 200
        assert exposition.headers["content-type"].startswith("text/plain; version=")
        assert "# TYPE parley_demo_http_requests_total counter" in exposition.text

        app.state.lifecycle.drain()
        for path in ("/demo/healthz", "/demo/readyz"):
            refused = await client.get(path)
            assert refused.status_code == 503
            assert refused.json() == {"detail": "shutting down"}
        # Still scraped while draining: the drain itself shows in the metrics.
        assert (await client.get("/metrics")).status_code == 200


def test_metrics_stay_out_of_the_openapi_schema() -> None:
    paths = build_app().openapi()["paths"]
    assert "/demo/healthz" in paths and "/metrics" not in paths
