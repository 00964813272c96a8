"""The shared OpenAI client, per-run failure classification and title generation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from openai import AsyncOpenAI

from parley_chat.config import Settings

LLM_UNAVAILABLE = "llm_unavailable"
LLM_TIMEOUT = "llm_timeout"
LLM_ERROR = "llm_error"
INTERNAL_ERROR = "internal_error"
RUN_LOST = "run_lost"
STORAGE_ERROR = "storage_unavailable"

ERROR_MESSAGES = {
    LLM_UNAVAILABLE: "The language model is unavailable right now. Please try again.",
    LLM_TIMEOUT: "The language model took too long to answer. Please try again.",
    LLM_ERROR: "The language model failed to produce a reply. Please try again.",
    INTERNAL_ERROR: "The reply could not be generated. Please try again.",
    RUN_LOST: "The reply was interrupted before it finished. Please try again.",
    STORAGE_ERROR: "The reply could not be saved. Please try again.",
}

_UNAVAILABLE_STATUSES = {429, 502, 503, 504}


@dataclass
class LlmOutcome:
    """What the transport saw during one run: the first failure, as a stable code."""

    code: str | None = None

    def mark(self, code: str) -> None:
        if self.code is None:
            self.code = code


current_outcome: ContextVar[LlmOutcome | None] = ContextVar("parley_llm_outcome", default=None)


def _code_for(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return LLM_TIMEOUT
    if isinstance(exc, httpx.ConnectError):
        return LLM_UNAVAILABLE
    return LLM_ERROR


class _ObservedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, outcome: LlmOutcome) -> None:
        self._inner = inner
        self._outcome = outcome

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except httpx.HTTPError as exc:
            self._outcome.mark(_code_for(exc))
            raise

    async def aclose(self) -> None:
        await self._inner.aclose()


class ObservingTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport to classify failures of the current run (agno hides them)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outcome = current_outcome.get()
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.HTTPError as exc:
            if outcome is not None:
                outcome.mark(_code_for(exc))
            raise
        if outcome is not None:
            if response.status_code >= 400:
                unavailable = response.status_code in _UNAVAILABLE_STATUSES
                outcome.mark(LLM_UNAVAILABLE if unavailable else LLM_ERROR)
            stream = response.stream
            if isinstance(stream, httpx.AsyncByteStream):
                response.stream = _ObservedStream(stream, outcome)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def make_openai_client(settings: Settings) -> AsyncOpenAI:
    """One client (one connection pool) shared by every run of the process."""
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    http_client = httpx.AsyncClient(
        transport=ObservingTransport(httpx.AsyncHTTPTransport(limits=limits)),
        timeout=httpx.Timeout(settings.LLM_TIMEOUT_SECONDS, connect=10.0),
    )
    client = AsyncOpenAI(
        api_key=settings.LLM_API_KEY or "not-needed",
        base_url=settings.LLM_BASE_URL,
        timeout=settings.LLM_TIMEOUT_SECONDS,
        max_retries=settings.LLM_MAX_RETRIES,
        http_client=http_client,
    )
    _send_plain_messages_as_is(client)
    return client


def _plain(messages: Sequence[Any]) -> bool:
    """Messages made only of strings (text chat): the SDK's transform leaves them unchanged."""
    return all(
        isinstance(m, dict) and all(v is None or isinstance(v, str) for v in m.values())
        for m in messages
    )


def _send_plain_messages_as_is(client: AsyncOpenAI) -> None:
    """Skip the SDK's request-body transform for plain text messages.

    ``chat.completions.create`` walks every message against the SDK's TypedDicts (~2.4 ms for
    a 10-turn history on our machine, a fifth of a turn's CPU) only to return them unchanged
    when they are plain text. Such messages go in ``extra_body``, which the SDK merges into
    the JSON body as is; anything else (images, files, tool calls) takes the normal path.
    """
    completions = client.chat.completions
    create = completions.create

    async def create_plain(*args: Any, **kwargs: Any) -> Any:
        messages = kwargs.get("messages")
        if isinstance(messages, list) and _plain(messages):
            kwargs["extra_body"] = {**(kwargs.get("extra_body") or {}), "messages": messages}
            kwargs["messages"] = []
        return await create(*args, **kwargs)

    completions.create = create_plain  # type: ignore[method-assign]


TITLE_PROMPT = (
    "Write a short title (at most six words) for a conversation that starts with the "
    "message below. Reply with the title only, no quotes, no punctuation at the end."
)


def fallback_title(message: str, words: int = 6, limit: int = 80) -> str:
    """First words of the first message, for when the model cannot title the chat."""
    title = " ".join(message.split()[:words])
    return title[:limit].strip() or "New chat"


def clean_title(raw: str | None, limit: int = 80) -> str | None:
    if not raw:
        return None
    line = raw.strip().splitlines()[0] if raw.strip() else ""
    line = line.strip().strip("\"'`*#").strip().rstrip(".").strip()
    line = line.replace("\x00", "")
    if not line:
        return None
    return line[:limit].strip()


async def generate_title(client: AsyncOpenAI, settings: Settings, message: str) -> str | None:
    """Ask the model for a short title; None when it fails (the caller falls back)."""
    try:
        completion = await client.with_options(timeout=20.0, max_retries=0).chat.completions.create(
            model=settings.LLM_MODEL,
            messages=[
                {"role": "system", "content": TITLE_PROMPT},
                {"role": "user", "content": message[:2000]},
            ],
            max_tokens=24,
            stream=False,
        )
    except Exception:
        return None
    if not completion.choices:
        return None
    return clean_title(completion.choices[0].message.content)
