"""Chat completions kept as a Parley chat (``X-Parley-Chat``): the request's last message is a
turn of the caller's chat, run and stored as the web client's turns are, answered in OpenAI's
format."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

from parley_chat import llm
from parley_chat.catalog import ModelNotAllowed
from parley_chat.openai_api import completions
from parley_chat.openai_api.completions import Answer, Counted, Target, data_line
from parley_chat.openai_api.errors import OpenAIError, model_not_found, upstream_error
from parley_chat.openai_api.schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    Usage,
)
from parley_chat.runs import (
    AGENT_ID,
    KEEPALIVE,
    ChatBusy,
    ChatNotFound,
    LiveRun,
    MessageTooLong,
    SseEvent,
    choose_models,
)
from parley_chat.runtime import Runtime
from parley_chat.schemas import clean_text
from parley_chat.tokens import Principal

CHAT_HEADER = "X-Parley-Chat"
NEW_CHAT = "new"
MAX_CONTENT_CHARS = 32_000  # the web client's limit on a message (schemas.MessageCreate)


class KeptTurn(NamedTuple):
    """A turn started in a chat: the chat it is stored in, its run, the model answering."""

    chat_id: str
    run: LiveRun
    target: Target

    @property
    def headers(self) -> dict[str, str]:
        return {CHAT_HEADER: self.chat_id}


def chat_id_of(header: str) -> str | None:
    """The chat the header names (None: a new one); anything else is a 400."""
    value = header.strip()
    if value.lower() == NEW_CHAT:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        # The value is not echoed: it may be anything a client put in a header.
        raise OpenAIError(
            400, f"{CHAT_HEADER} must be 'new' or a chat id.", code="invalid_chat_id"
        ) from None


def turn_content(request: ChatCompletionRequest) -> str:
    """The turn: the last message, the user's, with text (the rest of the request is not used:
    the chat's stored history is the context)."""
    index = len(request.messages) - 1
    last = request.messages[index]
    param = f"messages[{index}]"
    if last.role != "user":
        raise OpenAIError(
            400,
            f"With {CHAT_HEADER} the last message must be the user's new message.",
            param=f"{param}.role",
        )
    try:
        content = clean_text(completions.message_text(last, index))
    except ValueError:
        raise OpenAIError(400, "The message must be valid Unicode text.", param=param) from None
    if not content.strip():
        raise OpenAIError(400, "The user's message has no text.", param=f"{param}.content")
    if len(content) > MAX_CONTENT_CHARS:
        raise OpenAIError(
            400,
            f"A message kept in a chat is at most {MAX_CONTENT_CHARS} characters.",
            code="string_above_max_length",
            param=f"{param}.content",
        )
    return content


async def start_turn(
    runtime: Runtime, caller: Principal, request: ChatCompletionRequest, header: str
) -> KeptTurn:
    """Start the turn in the chat the header names (``new``: a new chat of the caller's).
    A refused turn stores nothing: 400, 404, 409 in OpenAI's shape."""
    chat_id = chat_id_of(header)
    content = turn_content(request)
    if request.n not in (None, 1):
        raise OpenAIError(400, "Only n=1 is supported.", param="n")
    snapshot = runtime.catalog.current
    target = completions.resolve_target(snapshot, request.model, caller.groups)
    try:
        models = choose_models(snapshot, target.model.id, caller.groups, content, runtime.budgets)
    except MessageTooLong as exc:
        raise _too_long(exc) from None
    created = chat_id is None
    if chat_id is None:
        chat_id = str(uuid.uuid4())
        # Untitled: the first reply names it, as in the web client, which then goes on with
        # the model asked for here.
        await runtime.queries.insert_chat(chat_id, caller.user_id, None, AGENT_ID, target.model.id)
    try:
        run = await runtime.runs.start_run(chat_id, caller, content, models, source="api")
    except Exception as exc:
        if created:
            # A refused first turn leaves no empty chat behind.
            await runtime.queries.delete_chat(chat_id, caller.user_id)
        refusal = _refusal(exc, request.model)
        if refusal is None:
            raise
        raise refusal from None
    return KeptTurn(chat_id, run, target)


def _refusal(exc: Exception, model: str) -> OpenAIError | None:
    """What start_run refused, in OpenAI's shape; None for anything else (UsageRefused goes
    on to the app's handler: /api/v1's 429)."""
    if isinstance(exc, ModelNotAllowed):
        return model_not_found(model)
    if isinstance(exc, MessageTooLong):
        return _too_long(exc)
    if isinstance(exc, ChatNotFound):
        return OpenAIError(
            404, "No such chat: it does not exist or is not yours.", code="chat_not_found"
        )
    if isinstance(exc, ChatBusy):
        return OpenAIError(
            409,
            "A reply is already being generated in this chat; wait for it to finish.",
            code="chat_busy",
        )
    return None


def _too_long(exc: MessageTooLong) -> OpenAIError:
    return OpenAIError(
        400,
        f"This message is too long for the model {exc.model.id}: about {exc.too_long.tokens} "
        f"tokens, at most {exc.too_long.limit}.",
        code="context_length_exceeded",
        param="messages",
    )


def _ended_badly(end: SseEvent, turn: KeptTurn) -> OpenAIError:
    """A run that did not complete: its error code as /api/v1 answers a provider's failure."""
    if end.event == "run.cancelled":
        return OpenAIError(
            409,
            "The reply was stopped before it finished (cancelled, or the chat was deleted).",
            code="run_cancelled",
            headers=turn.headers,
        )
    error = upstream_error(str(end.data.get("code") or llm.LLM_ERROR))
    error.headers = turn.headers
    return error


async def usage(runtime: Runtime, turn: KeptTurn) -> Counted:
    """The run's stored usage (the provider's), else our estimate of the system prompt, the
    message and the reply (the history agno added is not counted then)."""
    stored = await runtime.queries.run_tokens(turn.run.run_id)
    if stored is not None:
        total = stored.input_tokens + stored.output_tokens
        counted = Usage(
            prompt_tokens=stored.input_tokens,
            completion_tokens=stored.output_tokens,
            total_tokens=total,
        )
        return Counted(counted, estimated=False)
    system = runtime.settings.SYSTEM_PROMPT
    prompt = [{"content": system}] if system else []
    prompt.append({"content": turn.run.content})
    return Counted(completions.estimate(turn.target, prompt, turn.run.text), estimated=True)


async def complete(runtime: Runtime, turn: KeptTurn) -> Answer:
    """The whole reply once the run has ended (``stream`` false)."""
    end: SseEvent | None = None
    async for batch in turn.run.follow(-1, runtime.settings.SSE_KEEPALIVE_SECONDS):
        if batch:
            end = batch[-1]
    if end is None:  # pragma: no cover - a run's events always end with its end
        raise upstream_error(llm.INTERNAL_ERROR)
    if end.event != "run.completed":
        raise _ended_badly(end, turn)
    counted = await usage(runtime, turn)
    completion = ChatCompletion(
        id=completions.new_id(),
        created=int(time.time()),
        model=turn.target.model.id,
        choices=[Choice(message=AssistantMessage(content=turn.run.text), finish_reason="stop")],
        usage=counted.usage,
    )
    return Answer(completion, counted.estimated)


async def stream(runtime: Runtime, turn: KeptTurn, include_usage: bool) -> AsyncIterator[bytes]:
    """The run's text as ``chat.completion.chunk`` lines, a finish chunk, the usage chunk if
    asked for, ``[DONE]``; a run that fails is an ``error`` line (no ``[DONE]``). Closing the
    response only stops following: the run goes on and is stored."""
    head: dict[str, Any] = {
        "id": completions.new_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": turn.target.model.id,
    }

    def chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return data_line({**head, "choices": [choice]})

    yield chunk({"role": "assistant", "content": ""})
    async for batch in turn.run.follow(-1, runtime.settings.SSE_KEEPALIVE_SECONDS):
        if batch is None:
            yield KEEPALIVE  # a comment line: OpenAI's SDKs skip it
            continue
        for event in batch:
            if event.event == "message.delta":
                yield chunk({"content": event.data["text"]})
            elif event.event == "run.completed":
                yield chunk({}, "stop")
                if include_usage:
                    counted = await usage(runtime, turn)
                    numbers = counted.usage.model_dump()
                    if counted.estimated:
                        numbers["estimated"] = True
                    yield data_line({**head, "choices": [], "usage": numbers})
                yield completions.DONE
                return
            elif event.event in ("run.error", "run.cancelled"):
                yield data_line(_ended_badly(event, turn).body())
                return
