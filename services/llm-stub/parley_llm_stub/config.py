"""Stub settings: startup defaults (CLI flags, env), changed at run time via POST /stub/config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, cast, get_args

FailMode = Literal["error500", "cut", "hang", "stall", "malformed"]
FAIL_MODES: tuple[str, ...] = get_args(FailMode)

# Settings that `POST /stub/config` may change; the rest are fixed at start.
RUNTIME_FIELDS = frozenset(
    {
        "reply_words",
        "delay_ms",
        "first_token_delay_ms",
        "slow_delay_ms",
        "model",
        "fail_mode",
        "context_tokens",
    }
)

ENV_PREFIX = "STUB_"


@dataclass(frozen=True, slots=True)
class StubConfig:
    """Behaviour of the stub; every field can come from ``STUB_<FIELD>`` in the environment."""

    reply_words: int = 30
    delay_ms: float = 0.0
    first_token_delay_ms: float = 0.0
    slow_delay_ms: float = 200.0  # per-word delay of the `[stub:slow]` marker
    model: str = "parley-stub"
    fail_mode: FailMode | None = None
    cut_after_words: int = 3  # words sent before `cut`, `stall` and `malformed` misbehave
    hang_seconds: float = 300.0  # upper bound of `hang`/`stall`, so a forgotten client never leaks
    max_recorded_requests: int = 200
    # Like a small real model: a prompt (plus the max_tokens it asks for) longer than this gets
    # OpenAI's 400 context_length_exceeded. None: no limit. Counted by replies.prompt_length.
    context_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.reply_words < 1 or self.reply_words > 100_000:
            raise ValueError("reply_words must be between 1 and 100000")
        for name in ("delay_ms", "first_token_delay_ms", "slow_delay_ms", "hang_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.cut_after_words < 0 or self.max_recorded_requests < 1:
            raise ValueError("cut_after_words must be >= 0 and max_recorded_requests >= 1")
        if self.fail_mode is not None and self.fail_mode not in FAIL_MODES:
            raise ValueError(f"fail_mode must be one of {', '.join(FAIL_MODES)} or null")
        if not self.model:
            raise ValueError("model must not be empty")
        if self.context_tokens is not None and self.context_tokens < 1:
            raise ValueError("context_tokens must be at least 1 (or null for no limit)")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StubConfig:
        """Defaults overridden by ``STUB_REPLY_WORDS``, ``STUB_DELAY_MS`` and friends."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = env.get(ENV_PREFIX + field.name.upper())
            if raw is None or raw == "":
                continue
            values[field.name] = _coerce(field.name, raw)
        return cls(**values)

    def updated(self, changes: Mapping[str, Any]) -> StubConfig:
        """A copy with run-time ``changes`` applied; raises ``ValueError`` on bad input."""
        unknown = set(changes) - RUNTIME_FIELDS
        if unknown:
            raise ValueError(f"unknown or fixed settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, value in changes.items():
            values[name] = _check_type(name, value)
        return replace(self, **values)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view, as served by ``GET /stub/config``."""
        return asdict(self)


_INT_FIELDS = frozenset({"reply_words", "cut_after_words", "max_recorded_requests"})
_FLOAT_FIELDS = frozenset({"delay_ms", "first_token_delay_ms", "slow_delay_ms", "hang_seconds"})


def _coerce(name: str, raw: str) -> Any:
    try:
        if name in _INT_FIELDS:
            return int(raw)
        if name in _FLOAT_FIELDS:
            return float(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a number, got {raw!r}") from None
    if name == "fail_mode":
        return None if raw.lower() in {"none", "null", "off"} else raw
    if name == "context_tokens":
        if raw.lower() in {"none", "null", "off"}:
            return None
        try:
            return int(raw)
        except ValueError:
            raise ValueError(
                f"{ENV_PREFIX}CONTEXT_TOKENS must be an integer, got {raw!r}"
            ) from None
    return raw


def _check_type(name: str, value: Any) -> Any:
    if name in _INT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an integer")
        return value
    if name in _FLOAT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number")
        return float(value)
    if name == "fail_mode":
        if value is not None and value not in FAIL_MODES:
            raise ValueError(f"fail_mode must be one of {', '.join(FAIL_MODES)} or null")
        return cast(FailMode | None, value)
    if name == "context_tokens":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("context_tokens must be an integer or null")
        return value
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value
