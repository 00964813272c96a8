"""``context_tokens``: the stub refuses a prompt too long for its window, as a small model does."""

from __future__ import annotations

import openai
import pytest
from openai import AsyncOpenAI
from parley_llm_stub.config import StubConfig
from parley_llm_stub.replies import prompt_length
from parley_testing import LlmStub

from .conftest import Messages


def chat_of(words: int) -> Messages:
    return [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": " ".join(["word"] * words)},
    ]


async def test_a_prompt_longer_than_the_window_gets_openais_context_length_error(
    client: AsyncOpenAI, stub: LlmStub
) -> None:
    long_chat = chat_of(400)  # "word " x 400: 2,000 bytes, ~500 tokens
    assert prompt_length(long_chat) > 300
    with stub.configured(context_tokens=300):
        for stream in (True, False):
            with pytest.raises(openai.BadRequestError) as caught:
                await client.chat.completions.create(model="m", messages=long_chat, stream=stream)
            assert caught.value.status_code == 400
            assert caught.value.code == "context_length_exceeded"
            assert "maximum context length is 300 tokens" in caught.value.message
        # A short prompt in the same window is answered.
        reply = await client.chat.completions.create(model="m", messages=chat_of(10))
        assert reply.choices[0].message.content
    # Back to no limit: the long prompt is answered too.
    reply = await client.chat.completions.create(model="m", messages=long_chat)
    assert reply.choices[0].message.content


async def test_the_reply_budget_counts_against_the_window(
    client: AsyncOpenAI, stub: LlmStub
) -> None:
    messages = chat_of(40)
    prompt = prompt_length(messages)
    with stub.configured(context_tokens=prompt + 100):
        await client.chat.completions.create(model="m", messages=messages, max_tokens=100)
        with pytest.raises(openai.BadRequestError) as caught:
            await client.chat.completions.create(model="m", messages=messages, max_tokens=101)
    assert f"({prompt} in the messages, 101 in the completion)" in caught.value.message


def test_context_tokens_comes_from_the_environment_and_is_checked() -> None:
    assert StubConfig.from_env({"STUB_CONTEXT_TOKENS": "4096"}).context_tokens == 4096
    assert StubConfig.from_env({"STUB_CONTEXT_TOKENS": "off"}).context_tokens is None
    assert StubConfig().updated({"context_tokens": 512}).context_tokens == 512
    with pytest.raises(ValueError, match="context_tokens"):
        StubConfig().updated({"context_tokens": "big"})
    with pytest.raises(ValueError, match="context_tokens"):
        StubConfig(context_tokens=0)
