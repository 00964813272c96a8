"""The small JSON routes: ``/v1/models``, ``/healthz``, and the control API under ``/stub``
(read, change and reset the settings; the recorded requests; the counters).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parley_llm_stub.state import StubState


class JSONResponse(Response):
    """JSON via orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _state(request: Request) -> StubState:
    state: StubState = request.app.state.stub
    return state


def _model(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": "parley-stub"}


async def list_models(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [_model(_state(request).config.model)]})


async def get_model(request: Request) -> Response:
    """Any model name exists: the stub answers every one (``model`` echoes the requested name)."""
    return JSONResponse(_model(request.path_params["model"]))


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def get_config(request: Request) -> Response:
    return JSONResponse(_state(request).config.as_dict())


async def update_config(request: Request) -> Response:
    state = _state(request)
    try:
        changes = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return JSONResponse({"detail": "body must be a JSON object"}, status_code=400)
    if not isinstance(changes, dict):
        return JSONResponse({"detail": "body must be a JSON object"}, status_code=400)
    try:
        state.config = state.config.updated(changes)
    except ValueError as exc:  # includes StubConfig's own validation
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return JSONResponse(state.config.as_dict())


async def reset_config(request: Request) -> Response:
    state = _state(request)
    state.config = state.defaults
    return JSONResponse(state.config.as_dict())


async def get_requests(request: Request) -> Response:
    return JSONResponse(list(_state(request).recorded))


async def get_stats(request: Request) -> Response:
    state = _state(request)
    return JSONResponse(
        {
            "requests_total": state.requests_total,
            "in_flight": state.in_flight,
            "prompt_tokens_reported": state.prompt_tokens_reported,
            "completion_tokens_reported": state.completion_tokens_reported,
        }
    )


async def clear_requests(request: Request) -> Response:
    state = _state(request)
    state.recorded.clear()
    state.prompt_tokens_reported = state.completion_tokens_reported = 0
    return Response(status_code=204)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
