"""``create_app``: the stub's Starlette app, with every route it serves in one list."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Route

from parley_llm_stub.completions import ChatCompletions
from parley_llm_stub.config import StubConfig
from parley_llm_stub.control import (
    clear_requests,
    get_config,
    get_model,
    get_requests,
    get_stats,
    healthz,
    http_error,
    list_models,
    reset_config,
    update_config,
)
from parley_llm_stub.state import StubState


def create_app(config: StubConfig | None = None) -> Starlette:
    """The stub server; each app has its own settings and request log."""
    state = StubState(config or StubConfig())
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", ChatCompletions(state), methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/models/{model:path}", get_model, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/stub/config", get_config, methods=["GET"]),
            Route("/stub/config", update_config, methods=["POST"]),
            Route("/stub/config", reset_config, methods=["DELETE"]),
            Route("/stub/requests", get_requests, methods=["GET"]),
            Route("/stub/requests", clear_requests, methods=["DELETE"]),
            Route("/stub/stats", get_stats, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error},
    )
    app.state.stub = state
    return app
