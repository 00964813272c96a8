"""The one place where a model call's final usage is known (the usage ledger will store it)."""

from __future__ import annotations

from typing import Literal, NamedTuple

import structlog

log = structlog.get_logger("parley_chat.usage")

# Where a call came from: the web client (an access token on the chat API) or the API
# (/api/v1, with a Parley key or a token).
CallSource = Literal["web", "api"]


class UsageRecord(NamedTuple):
    """The tokens one model call used, and who made it."""

    user_id: str
    api_key_id: str | None  # set when the caller used a Parley API key
    model: str  # the catalog id
    provider: str
    input_tokens: int
    output_tokens: int
    estimated: bool  # counted by us: the provider reported no usage
    source: CallSource


def record_usage(record: UsageRecord) -> None:
    """Take note of a finished call's usage (logged at debug for now)."""
    log.debug("model_usage", **record._asdict())
