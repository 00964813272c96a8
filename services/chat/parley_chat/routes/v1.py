"""The OpenAI-compatible API: ``GET /api/v1/models``, ``POST /api/v1/chat/completions``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, StreamingResponse

from parley_chat.deps import ApiCaller, RuntimeDep
from parley_chat.openai_api import completions
from parley_chat.openai_api.errors import openai_responses
from parley_chat.openai_api.schemas import (
    ChatCompletion,
    ChatCompletionRequest,
    ModelList,
    ModelObject,
)

router = APIRouter(prefix="/api/v1", tags=["openai"])

USAGE_HEADER = "X-Parley-Usage"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_COMPLETION_200: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "a chat.completion, or with stream true chat.completion.chunk server-sent events "
            f"ending with [DONE]; {USAGE_HEADER}: estimated when the provider reported no usage"
        ),
        "model": ChatCompletion,
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get("/models", response_model=ModelList, responses=openai_responses(401, 403, 503))
async def list_models(user: ApiCaller, runtime: RuntimeDep) -> ModelList:
    """The models the caller may use, in catalog order."""
    models = runtime.catalog.current.available_to(user.groups)
    return ModelList(data=[ModelObject(id=m.id, created=0) for m in models])


@router.post(
    "/chat/completions",
    response_model=None,
    responses={**_COMPLETION_200, **openai_responses(400, 401, 403, 404, 413, 429, 502, 503)},
)
async def create_chat_completion(
    body: ChatCompletionRequest, user: ApiCaller, runtime: RuntimeDep
) -> Response:
    """OpenAI's chat completion, stateless, on a catalog model the caller may use."""
    snapshot = runtime.catalog.current
    target = completions.resolve_target(snapshot, body.model, user.groups)
    messages = completions.upstream_messages(body)
    params = completions.upstream_params(body, target, messages)
    client = runtime.clients.client_for(target.provider)
    runtime.clients.retain(snapshot)
    # Budgets and per-user limits, before any model call (a 429 when refused).
    prompt = completions.estimate(target, messages, "").prompt_tokens
    meter = await runtime.meters.admit(user, target.model, prompt, params["max_tokens"])
    caller = completions.Caller(user.user_id, user.api_key_id, meter)
    try:
        if body.stream:
            include_usage = body.stream_options is not None and body.stream_options.include_usage
            chunks = await completions.open_stream(client, target, params, caller, include_usage)
            return StreamingResponse(chunks, media_type="text/event-stream", headers=SSE_HEADERS)
        answer = await completions.complete(client, target, params, caller)
    except BaseException:
        # Refused by the provider before any text: nothing used, the hold is freed.
        await meter.settle(completions.unused(user, target))
        raise
    headers = {USAGE_HEADER: "estimated"} if answer.estimated else None
    return JSONResponse(answer.completion.model_dump(), headers=headers)
