"""``StubState``: one app's run-time settings, request log and counters, shared by its routes."""

from __future__ import annotations

from collections import deque
from typing import Any

from parley_llm_stub.config import StubConfig


class StubState:
    """Run-time settings and the ring buffer of received request bodies."""

    def __init__(self, config: StubConfig) -> None:
        self.defaults = config
        self.config = config
        self.recorded: deque[dict[str, Any]] = deque(maxlen=config.max_recorded_requests)
        self.requests_total = 0
        self.in_flight = 0  # completions being answered right now (streams, hangs included)
        # The usage figures the stub has reported, summed (what a provider would bill).
        self.prompt_tokens_reported = 0
        self.completion_tokens_reported = 0
