"""The OpenAI-compatible API: ``GET /api/v1/models``, ``POST /api/v1/chat/completions``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse, StreamingResponse

from parley_chat.deps import ApiCaller, RuntimeDep
from parley_chat.openai_api import completions, kept_chat
from parley_chat.openai_api.errors import openai_responses
from parley_chat.openai_api.kept_chat import CHAT_HEADER
from parley_chat.openai_api.schemas import (
    ChatCompletion,
    ChatCompletionRequest,
    ModelList,
    ModelObject,
)
from parley_chat.runtime import Runtime
from parley_chat.tokens import Principal

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
        "headers": {
            CHAT_HEADER: {
                "description": f"with {CHAT_HEADER} in the request: the chat the turn is in",
                "schema": {"type": "string"},
            }
        },
    }
}
_CHAT_HEADER_DOC = (
    "'new' or a chat id: keep the conversation as a Parley chat (the request's last message, "
    "the user's, is the turn; the chat's stored history is the context). Left out: stateless."
)


def _include_usage(body: ChatCompletionRequest) -> bool:
    return body.stream_options is not None and body.stream_options.include_usage


@router.get("/models", response_model=ModelList, responses=openai_responses(401, 403, 503))
async def list_models(user: ApiCaller, runtime: RuntimeDep) -> ModelList:
    """The models the caller may use, in catalog order."""
    models = runtime.catalog.current.available_to(user.groups)
    return ModelList(data=[ModelObject(id=m.id, created=0) for m in models])


@router.post(
    "/chat/completions",
    response_model=None,
    responses={
        **_COMPLETION_200,
        **openai_responses(400, 401, 403, 404, 409, 413, 429, 502, 503),
    },
)
async def create_chat_completion(
    body: ChatCompletionRequest,
    user: ApiCaller,
    runtime: RuntimeDep,
    chat: Annotated[str | None, Header(alias=CHAT_HEADER, description=_CHAT_HEADER_DOC)] = None,
) -> Response:
    """OpenAI's chat completion on a catalog model the caller may use: stateless, or a turn of
    a Parley chat with ``X-Parley-Chat``."""
    if chat is not None:
        return await _kept_turn(body, user, runtime, chat)
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
            include_usage = _include_usage(body)
            chunks = await completions.open_stream(client, target, params, caller, include_usage)
            return StreamingResponse(chunks, media_type="text/event-stream", headers=SSE_HEADERS)
        answer = await completions.complete(client, target, params, caller)
    except BaseException:
        # Refused by the provider before any text: nothing used, the hold is freed.
        await meter.settle(completions.unused(user, target))
        raise
    headers = {USAGE_HEADER: "estimated"} if answer.estimated else None
    return JSONResponse(answer.completion.model_dump(), headers=headers)


async def _kept_turn(
    body: ChatCompletionRequest, user: Principal, runtime: Runtime, chat: str
) -> Response:
    turn = await kept_chat.start_turn(runtime, user, body, chat)
    if body.stream:
        chunks = kept_chat.stream(runtime, turn, _include_usage(body))
        headers = {**SSE_HEADERS, **turn.headers}
        return StreamingResponse(chunks, media_type="text/event-stream", headers=headers)
    answer = await kept_chat.complete(runtime, turn)
    headers = turn.headers
    if answer.estimated:
        headers[USAGE_HEADER] = "estimated"
    return JSONResponse(answer.completion.model_dump(), headers=headers)
