"""What a run's model call can end with (stable codes, words for users), and chat titles."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx2 as httpx
from openai import AsyncOpenAI

LLM_UNAVAILABLE = "llm_unavailable"
LLM_TIMEOUT = "llm_timeout"
LLM_ERROR = "llm_error"
PROVIDER_AUTH_FAILED = "provider_auth_failed"
PROVIDER_RATE_LIMITED = "provider_rate_limited"
MODEL_NOT_FOUND = "model_not_found"
CONTEXT_TOO_LONG = "context_too_long"
INTERNAL_ERROR = "internal_error"
RUN_LOST = "run_lost"
STORAGE_ERROR = "storage_unavailable"

ERROR_MESSAGES = {
    LLM_UNAVAILABLE: "The language model is unavailable right now. Please try again.",
    LLM_TIMEOUT: "The language model took too long to answer. Please try again.",
    LLM_ERROR: "The language model failed to produce a reply. Please try again.",
    PROVIDER_AUTH_FAILED: (
        "The model's provider refused Parley's credentials. Please tell your administrator."
    ),
    PROVIDER_RATE_LIMITED: (
        "The model's provider is getting too many requests right now. "
        "Please wait a minute and try again, or pick another model."
    ),
    MODEL_NOT_FOUND: (
        "The model's provider does not offer this model. "
        "Please pick another model or tell your administrator."
    ),
    CONTEXT_TOO_LONG: (
        "This conversation is too long for the model. "
        "Start a new chat, shorten your message or pick a model with a larger context."
    ),
    INTERNAL_ERROR: "The reply could not be generated. Please try again.",
    RUN_LOST: "The reply was interrupted before it finished. Please try again.",
    STORAGE_ERROR: "The reply could not be saved. Please try again.",
}


@dataclass
class LlmOutcome:
    """What the transport saw during one run: the first failure, as a stable code, and the
    response streams the run opened (closed when it ends, whatever agno left open)."""

    code: str | None = None
    streams: list[httpx.AsyncByteStream] = field(default_factory=list)

    def mark(self, code: str) -> None:
        if self.code is None:
            self.code = code

    async def close_streams(self) -> None:
        """Close the run's LLM responses: a cancelled or dropped run must not keep a provider
        generating (and billing) a reply nobody reads."""
        streams, self.streams = self.streams, []
        for stream in streams:
            with contextlib.suppress(Exception):
                await stream.aclose()


# Set by the run's task, read by the provider's HTTP transport (providers/transport.py): agno
# hides LLM errors, and this is the one way the transport's verdict reaches the run.
current_outcome: ContextVar[LlmOutcome | None] = ContextVar("parley_llm_outcome", default=None)

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


class TokensUsed(NamedTuple):
    input_tokens: int
    output_tokens: int
    estimated: bool  # the provider reported no usage: counted by us


class TitleAnswer(NamedTuple):
    title: str | None  # None: the caller falls back to the first words
    used: TokensUsed | None  # None: no answer came (nothing to charge)


async def generate_title(client: AsyncOpenAI, upstream_model: str, message: str) -> TitleAnswer:
    """Ask the model for a short title, and what asking it used."""
    prompt = message[:2000]
    try:
        completion = await client.with_options(timeout=20.0, max_retries=0).chat.completions.create(
            model=upstream_model,
            messages=[
                {"role": "system", "content": TITLE_PROMPT},
                {"role": "user", "content": prompt},
            ],
            max_tokens=24,
            stream=False,
        )
    except Exception:
        return TitleAnswer(None, None)
    raw = completion.choices[0].message.content if completion.choices else None
    usage = completion.usage
    if usage is not None:
        used = TokensUsed(usage.prompt_tokens, usage.completion_tokens, estimated=False)
    else:  # about 4 characters a token, as the ledger's other estimates
        guess = (len(TITLE_PROMPT) + len(prompt) + 3) // 4
        used = TokensUsed(guess, (len(raw or "") + 3) // 4, estimated=True)
    return TitleAnswer(clean_title(raw), used)
