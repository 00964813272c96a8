"""Stateless chat completions: the catalog model's provider called directly (not through
agno, nothing stored), answered in OpenAI's format."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, NamedTuple

import openai
import orjson
from openai import AsyncOpenAI

from parley_chat import llm
from parley_chat.catalog import CatalogSnapshot, ModelEntry, ModelNotAllowed, ProviderEntry
from parley_chat.context_window import (
    MESSAGE_OVERHEAD_TOKENS,
    REPLY_PRIMING_TOKENS,
    counter_for_model,
)
from parley_chat.openai_api.errors import OpenAIError, model_not_found, upstream_error
from parley_chat.openai_api.metering import CallMeter
from parley_chat.openai_api.schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessage,
    Choice,
    Usage,
)
from parley_chat.tokens import Principal
from parley_chat.usage import UsageRecord

MAX_STOP_SEQUENCES = 4
FINISH_REASONS = {"stop", "length", "content_filter", "tool_calls", "function_call"}
DONE = b"data: [DONE]\n\n"


class Target(NamedTuple):
    """The catalog model a request names and the provider that serves it."""

    model: ModelEntry
    provider: ProviderEntry


class Caller(NamedTuple):
    """Whose usage a call is, and its admitted hold, settled with what the call used."""

    user_id: str
    api_key_id: str | None
    meter: CallMeter


class Counted(NamedTuple):
    usage: Usage
    estimated: bool  # the provider reported none


def resolve_target(snapshot: CatalogSnapshot, model_id: str, groups: frozenset[str]) -> Target:
    """The model if this caller may use it; unknown, disabled or forbidden is a 404."""
    try:
        model = snapshot.resolve(model_id, groups)
    except ModelNotAllowed:
        raise model_not_found(model_id) from None
    return Target(model, snapshot.providers[model.provider_id])


def _text(message: ChatMessage, index: int) -> str:
    content = message.content
    if content is None or isinstance(content, str):
        return content or ""
    texts: list[str] = []
    for part in content:
        if part.type != "text" or part.text is None:
            raise OpenAIError(
                400,
                f"Only text content is supported (got a {part.type!r} part).",
                param=f"messages[{index}].content",
            )
        texts.append(part.text)
    return "".join(texts)


def upstream_messages(request: ChatCompletionRequest) -> list[dict[str, str]]:
    """Plain text messages; ``developer`` becomes ``system``, which every server knows."""
    return [
        {"role": "system" if m.role == "developer" else m.role, "content": _text(m, i)}
        for i, m in enumerate(request.messages)
    ]


def upstream_params(
    request: ChatCompletionRequest, target: Target, messages: list[dict[str, str]]
) -> dict[str, Any]:
    """What goes to the provider: its model name, the reply capped at the model's maximum."""
    if request.n not in (None, 1):
        raise OpenAIError(400, "Only n=1 is supported.", param="n")
    if isinstance(request.stop, list) and len(request.stop) > MAX_STOP_SEQUENCES:
        raise OpenAIError(400, "At most 4 stop sequences are supported.", param="stop")
    ceiling = target.model.max_output_tokens
    asked = request.max_completion_tokens or request.max_tokens
    params: dict[str, Any] = {
        "model": target.model.upstream,
        "messages": messages,
        "max_tokens": min(asked, ceiling) if asked else ceiling,
    }
    for name in ("temperature", "top_p", "stop"):
        value = getattr(request, name)
        if value is not None:
            params[name] = value
    return params


def estimate(target: Target, messages: Sequence[dict[str, str]], reply: str) -> Usage:
    """Our count when the provider gives none (the model's tokenizer, else bytes / 3)."""
    counter = counter_for_model(target.model.upstream)
    prompt = REPLY_PRIMING_TOKENS + sum(
        counter.count(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages
    )
    completion = counter.count(reply) if reply else 0
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def _counted(
    reported: Any, target: Target, messages: Sequence[dict[str, str]], reply: str
) -> Counted:
    prompt = getattr(reported, "prompt_tokens", None)
    completion = getattr(reported, "completion_tokens", None)
    if isinstance(prompt, int) and isinstance(completion, int):
        usage = Usage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )
        return Counted(usage, estimated=False)
    return Counted(estimate(target, messages, reply), estimated=True)


async def _record(caller: Caller, target: Target, counted: Counted) -> None:
    await caller.meter.settle(
        UsageRecord(
            user_id=caller.user_id,
            api_key_id=caller.api_key_id,
            model=target.model.id,
            provider=target.provider.id,
            input_tokens=counted.usage.prompt_tokens,
            output_tokens=counted.usage.completion_tokens,
            estimated=counted.estimated,
            source="api",
        )
    )


def unused(user: Principal, target: Target) -> UsageRecord:
    """A call the provider refused before any text (counted as a call, no tokens)."""
    return UsageRecord(
        user_id=user.user_id,
        api_key_id=user.api_key_id,
        model=target.model.id,
        provider=target.provider.id,
        input_tokens=0,
        output_tokens=0,
        estimated=True,
        source="api",
    )


def _finish(reason: Any) -> str:
    return reason if reason in FINISH_REASONS else "stop"


async def _call(client: AsyncOpenAI, params: dict[str, Any]) -> Any:
    """The provider's answer (or open stream); a failure as the transport classified it."""
    outcome = llm.LlmOutcome()
    token = llm.current_outcome.set(outcome)
    try:
        return await client.chat.completions.create(**params)
    except openai.APIError:
        raise upstream_error(outcome.code or llm.LLM_ERROR) from None
    finally:
        llm.current_outcome.reset(token)


class Answer(NamedTuple):
    completion: ChatCompletion
    estimated: bool


async def complete(
    client: AsyncOpenAI, target: Target, params: dict[str, Any], caller: Caller
) -> Answer:
    """One whole answer (``stream`` false)."""
    response = await _call(client, params)
    choices = getattr(response, "choices", None) or []
    message = choices[0].message if choices else None
    reply = (message.content if message is not None else None) or ""
    counted = _counted(getattr(response, "usage", None), target, params["messages"], reply)
    await _record(caller, target, counted)
    completion = ChatCompletion(
        id=new_id(),
        created=int(time.time()),
        model=target.model.id,
        choices=[
            Choice(
                message=AssistantMessage(content=reply),
                finish_reason=_finish(choices[0].finish_reason if choices else None),
            )
        ],
        usage=counted.usage,
    )
    return Answer(completion, counted.estimated)


def new_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex


async def open_stream(
    client: AsyncOpenAI,
    target: Target,
    params: dict[str, Any],
    caller: Caller,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    """Open the provider's stream now (so its refusal is an HTTP error), then relay it."""
    upstream = await _call(
        client, {**params, "stream": True, "stream_options": {"include_usage": True}}
    )
    return _relay(upstream, target, params["messages"], caller, include_usage)


async def _relay(
    upstream: Any,
    target: Target,
    messages: list[dict[str, str]],
    caller: Caller,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    """``chat.completion.chunk`` lines, the usage chunk if asked for, ``[DONE]``; a failure
    midway is an ``error`` line (OpenAI's SDKs raise it) and no ``[DONE]``."""
    head = {"id": new_id(), "object": "chat.completion.chunk", "created": int(time.time())}
    head["model"] = target.model.id
    reply: list[str] = []
    reported: Any = None
    first = True
    try:
        try:
            async for chunk in upstream:
                reported = getattr(chunk, "usage", None) or reported
                for choice in getattr(chunk, "choices", None) or []:
                    delta: dict[str, Any] = {}
                    if first or choice.delta.role:
                        delta["role"] = "assistant"
                        first = False
                    if choice.delta.content:
                        delta["content"] = choice.delta.content
                        reply.append(choice.delta.content)
                    reason = _finish(choice.finish_reason) if choice.finish_reason else None
                    choices = [{"index": 0, "delta": delta, "finish_reason": reason}]
                    yield _line({**head, "choices": choices})
        except Exception as exc:  # the SDK's errors, and the transport's it lets through
            timeout = isinstance(exc, openai.APITimeoutError) or "Timeout" in type(exc).__name__
            code = llm.LLM_TIMEOUT if timeout else llm.LLM_ERROR
            yield _line(upstream_error(code).body())
            return
        counted = _counted(reported, target, messages, "".join(reply))
        await _record(caller, target, counted)
        if include_usage:
            usage = counted.usage.model_dump()
            if counted.estimated:
                usage["estimated"] = True  # a stream's headers are sent before it is known
            yield _line({**head, "choices": [], "usage": usage})
        yield DONE
    finally:
        if not caller.meter.settled:  # a failure midway or a client gone: what was relayed
            await _record(caller, target, Counted(estimate(target, messages, "".join(reply)), True))
        await upstream.close()


def _line(data: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(data) + b"\n\n"
