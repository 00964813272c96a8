"""The control endpoints tests rely on: recorded requests, and the CLI / env settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from openai import AsyncOpenAI
from parley_llm_stub.cli import parse_args
from parley_llm_stub.config import StubConfig
from parley_testing import LlmStub, free_port

from .conftest import Messages, ServeStub


async def test_requests_are_recorded_and_cleared(client: AsyncOpenAI, stub: LlmStub) -> None:
    messages: Messages = [
        {"role": "system", "content": "You are Parley."},
        {"role": "user", "content": "remember the word pineapple"},
    ]
    await client.chat.completions.create(model="m1", messages=messages)
    await client.chat.completions.create(model="m2", messages=messages[1:], stream=True)
    recorded = stub.requests()
    assert [r["model"] for r in recorded] == ["m1", "m2"]
    assert recorded[0]["messages"] == messages
    assert recorded[1]["stream"] is True
    assert stub.last_request()["model"] == "m2"
    stub.clear()
    assert stub.requests() == []


async def test_recorded_requests_are_bounded(serve_stub: ServeStub) -> None:
    with serve_stub(max_recorded_requests=3) as url:
        async with AsyncOpenAI(base_url=url, api_key="k", max_retries=0) as client:
            for n in range(5):
                await client.chat.completions.create(
                    model="m",
                    messages=[{"role": "user", "content": f"message {n}"}],
                )
        stub = LlmStub(url)
        try:
            contents = [r["messages"][0]["content"] for r in stub.requests()]
        finally:
            stub.close()
    assert contents == ["message 2", "message 3", "message 4"]


async def test_agno_openai_like_streams_the_stub_reply(stub: LlmStub) -> None:
    from agno.agent import Agent, RunContentEvent
    from agno.models.openai import OpenAILike

    model = OpenAILike(id="parley-stub", base_url=stub.base_url, api_key="k", max_retries=0)
    agent = Agent(model=model, telemetry=False, instructions="Be brief.")
    pieces = []
    async for event in agent.arun("tell me [stub:words=7]", stream=True):
        if isinstance(event, RunContentEvent) and isinstance(event.content, str):
            pieces.append(event.content)
    assert "".join(pieces).split()[:4] == ["Stub", "reply", "to:", "tell"]
    assert len("".join(pieces).split()) == 7
    sent = stub.last_request()
    assert sent["stream"] is True
    assert sent["messages"][-1] == {"role": "user", "content": "tell me [stub:words=7]"}


def test_flags_override_env_which_overrides_defaults() -> None:
    env = {"STUB_REPLY_WORDS": "7", "STUB_DELAY_MS": "15", "STUB_FAIL_MODE": "cut"}
    assert StubConfig.from_env(env) == StubConfig(reply_words=7, delay_ms=15.0, fail_mode="cut")
    with pytest.raises(ValueError, match="STUB_REPLY_WORDS"):
        StubConfig.from_env({"STUB_REPLY_WORDS": "lots"})
    args, config = parse_args(["--port", "9999", "--reply-words", "3", "--delay-ms", "2"])
    assert args.port == 9999
    assert (config.reply_words, config.delay_ms) == (3, 2.0)
    with pytest.raises(SystemExit):
        parse_args(["--reply-words", "0"])


def test_console_script_serves_on_the_given_port() -> None:
    port = free_port()
    env = {**os.environ, "STUB_REPLY_WORDS": "5"}
    script = os.path.join(os.path.dirname(sys.executable), "parley-llm-stub")
    proc = subprocess.Popen(
        [script, "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(base + "/healthz").raise_for_status()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "stub did not start"
                time.sleep(0.05)
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        replies = [httpx.post(base + "/v1/chat/completions", json=body).json() for _ in range(2)]
        texts = [r["choices"][0]["message"]["content"] for r in replies]
        assert texts[0] == texts[1]
        assert len(texts[0].split()) == 5  # STUB_REPLY_WORDS from the environment
    finally:
        proc.terminate()
        proc.wait(timeout=10)  # stops promptly on SIGTERM
