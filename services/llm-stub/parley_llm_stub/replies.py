"""Deterministic replies and per-request fault markers read from the last user message.

Markers (anywhere in the last user message, several allowed, removed before the reply is made):
``[stub:error500]`` ``[stub:cut]`` ``[stub:hang]`` ``[stub:stall]`` ``[stub:malformed]``
``[stub:status=N]`` ``[stub:slow]`` ``[stub:delay=MS]`` ``[stub:words=N]`` ``[stub:markdown]``; the
package docstring says what each does.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from parley_llm_stub.config import FAIL_MODES, FailMode, StubConfig
from parley_llm_stub.markdown import MARKDOWN_PIECES

MARKER_RE = re.compile(r"\[stub:([a-z0-9]+)(?:=(\d+))?\]")
PREFIX = ("Stub", "reply", "to:")
ECHO_WORDS = 8  # words of the user's message quoted at the start of the reply
MAX_WORDS = 100_000

# Filler picked deterministically from the message, so the same message always gets the same reply.
_VOCABULARY_TEXT = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
    "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu amber basil "
    "cedar dune ember fern grove harbor island jade kettle lantern meadow nectar orchard pebble "
    "quartz river saddle timber umber valley willow yarrow zephyr anchor beacon canyon drift "
    "estuary fjord glacier horizon inlet"
)
VOCABULARY = tuple(_VOCABULARY_TEXT.split())


@dataclass(frozen=True, slots=True)
class ReplyPlan:
    """What to answer to one request: the words and how (or whether) to deliver them."""

    words: tuple[str, ...]  # content pieces; the first has no leading space, the others one
    fail_mode: FailMode | None
    error_status: int | None  # answer with this HTTP error instead of a reply
    delay_s: float
    first_token_delay_s: float
    finish_reason: str
    prompt_tokens: int

    @property
    def text(self) -> str:
        return "".join(self.words)


def message_text(content: Any) -> str:
    """Text of an OpenAI message ``content``: a string or a list of ``{"type": "text"}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def last_user_text(messages: Sequence[Any]) -> str:
    """Content of the last ``user`` message, or ``""`` when there is none."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return message_text(message.get("content"))
    return ""


def reply_words(text: str, count: int) -> tuple[str, ...]:
    """``count`` pieces: "Stub reply to: <first words of text> <filler>...", ending in '.'."""
    quoted = text.split()[:ECHO_WORDS] or ["(empty", "message)"]
    words = [*PREFIX, *quoted][:count]
    seed = zlib.crc32(text.encode())  # stable across processes, unlike hash()
    while len(words) < count:
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        words.append(VOCABULARY[(seed >> 8) % len(VOCABULARY)])
    words[-1] += "."
    return (words[0], *(" " + word for word in words[1:]))


# The stub's stand-in for a tokenizer when it enforces ``context_tokens``: about what a real
# BPE tokenizer gives for English text, plus OpenAI's per-message and reply-priming overhead.
BYTES_PER_TOKEN = 4
MESSAGE_OVERHEAD_TOKENS = 4
REPLY_PRIMING_TOKENS = 3


def prompt_length(messages: Sequence[Any]) -> int:
    """Tokens the prompt takes in a model's context: ceil(UTF-8 bytes / 4) of each message's
    text plus 4 per message, plus 3 for the reply's start."""
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        if isinstance(message, dict):
            size = len(message_text(message.get("content")).encode("utf-8", "surrogatepass"))
            total += -(-size // BYTES_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS
    return total


def requested_completion(request: dict[str, Any]) -> int:
    """The reply budget a request asks for (``max_completion_tokens`` or ``max_tokens``), or 0."""
    limit = request.get("max_completion_tokens") or request.get("max_tokens")
    return limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else 0


def plan_reply(request: dict[str, Any], config: StubConfig) -> ReplyPlan:
    """Apply the server-wide config and the last user message's markers to one request."""
    messages: list[Any] = request["messages"]
    raw = last_user_text(messages)
    fail_mode = config.fail_mode
    delay_ms = config.delay_ms
    count = config.reply_words
    status: int | None = None
    markdown = False
    for name, value in MARKER_RE.findall(raw):
        if name in FAIL_MODES:
            fail_mode = cast(FailMode, name)
        elif name == "status" and value and 400 <= int(value) <= 599:
            status = int(value)
        elif name == "slow":
            delay_ms = config.slow_delay_ms
        elif name == "delay" and value:
            delay_ms = float(value)
        elif name == "words" and value:
            count = max(1, min(int(value), MAX_WORDS))
        elif name == "markdown":
            markdown = True
    words = MARKDOWN_PIECES if markdown else reply_words(MARKER_RE.sub("", raw), count)
    finish_reason = "stop"
    limit = request.get("max_completion_tokens") or request.get("max_tokens")
    if isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit < len(words):
        words = words[:limit]  # like OpenAI: cut at the token budget, finish_reason "length"
        finish_reason = "length"
    prompt_tokens = sum(
        len(message_text(m.get("content")).split()) for m in messages if isinstance(m, dict)
    )
    return ReplyPlan(
        words=words,
        fail_mode=fail_mode,
        error_status=status or (500 if fail_mode == "error500" else None),
        delay_s=delay_ms / 1000,
        first_token_delay_s=config.first_token_delay_ms / 1000,
        finish_reason=finish_reason,
        prompt_tokens=prompt_tokens,
    )
