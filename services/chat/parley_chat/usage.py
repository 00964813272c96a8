"""The one place where a model call's final usage is known (the usage ledger will store it)."""

from __future__ import annotations

from typing import Literal, NamedTuple

import structlog

log = structlog.get_logger("parley_chat.usage")

# Where the call came from: the OpenAI-compatible API today, chat turns later.
UsageSource = Literal["api_v1", "chat"]


class UsageRecord(NamedTuple):
    """The tokens one model call used, and who made it."""

    user_id: str
    api_key_id: str | None  # set when the caller used a Parley API key
    model: str  # the catalog id
    provider: str
    input_tokens: int
    output_tokens: int
    estimated: bool  # counted by us: the provider reported no usage
    source: UsageSource


def record_usage(record: UsageRecord) -> None:
    """Take note of a finished call's usage (logged at debug for now)."""
    log.debug("model_usage", **record._asdict())
