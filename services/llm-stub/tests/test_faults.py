"""Each fault switch fails the way a real provider outage looks to the openai client."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest
from openai import AsyncOpenAI
from parley_llm_stub.completions import FAKE_SECRET
from parley_testing import LlmStub

from .conftest import Messages


def ask(marker: str) -> Messages:
    return [
        {"role": "user", "content": "earlier [stub:error500]"},  # only the last user message counts
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": f"please answer {marker}"},
    ]


async def collect(client: AsyncOpenAI, messages: Messages, into: list[str]) -> None:
    stream = await client.chat.completions.create(model="m", messages=messages, stream=True)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            into.append(chunk.choices[0].delta.content)


@pytest.mark.parametrize("stream", [True, False])
async def test_error500_is_an_api_status_error_carrying_a_fake_secret(
    client: AsyncOpenAI, stream: bool
) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        await client.chat.completions.create(
            model="m", messages=ask("[stub:error500]"), stream=stream
        )
    assert caught.value.status_code == 500
    assert FAKE_SECRET in caught.value.message
    assert "sk-stub-SECRET" in json.dumps(caught.value.body)


async def test_cut_drops_the_connection_mid_stream(client: AsyncOpenAI) -> None:
    words: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        await collect(client, ask("[stub:cut]"), words)
    assert words == ["Stub", " reply", " to:"]  # a few words arrived, then the connection dropped
    with pytest.raises(openai.APIConnectionError):
        await client.chat.completions.create(model="m", messages=ask("[stub:cut]"))


async def test_hang_sends_nothing_until_the_client_times_out(stub: LlmStub) -> None:
    async with AsyncOpenAI(base_url=stub.base_url, api_key="k", max_retries=0, timeout=0.5) as c:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            await c.chat.completions.create(model="m", messages=ask("[stub:hang]"), stream=True)
        assert 0.4 < time.monotonic() - started < 5
        stub.wait_idle(timeout=2.0)  # the stub noticed the client leaving
        # The stub stays usable for everyone else.
        reply = await c.chat.completions.create(model="m", messages=ask(""))
        assert (reply.choices[0].message.content or "").startswith("Stub reply to: please answer")


async def test_stall_stops_mid_stream_until_the_client_times_out(stub: LlmStub) -> None:
    words: list[str] = []
    async with AsyncOpenAI(base_url=stub.base_url, api_key="k", max_retries=0, timeout=0.5) as c:
        with pytest.raises(openai.APITimeoutError):
            await collect(c, ask("[stub:stall]"), words)
    assert len(words) == 3


async def test_malformed_chunk_fails_to_decode(client: AsyncOpenAI) -> None:
    words: list[str] = []
    with pytest.raises(json.JSONDecodeError):
        await collect(client, ask("[stub:malformed]"), words)
    assert len(words) == 3
    with pytest.raises(json.JSONDecodeError):
        await client.chat.completions.create(model="m", messages=ask("[stub:malformed]"))


async def test_server_wide_fail_mode_until_reset(client: AsyncOpenAI, stub: LlmStub) -> None:
    with stub.configured(fail_mode="error500"):
        with pytest.raises(openai.InternalServerError):
            await client.chat.completions.create(model="m", messages=ask(""))
        assert stub.config()["fail_mode"] == "error500"
    reply = await client.chat.completions.create(model="m", messages=ask(""))
    assert reply.choices[0].finish_reason == "stop"
    assert stub.config()["fail_mode"] is None


async def test_config_changes_apply_and_bad_ones_are_refused(
    client: AsyncOpenAI, stub: LlmStub
) -> None:
    stub.configure(reply_words=4)
    reply = await client.chat.completions.create(model="m", messages=ask(""))
    assert len((reply.choices[0].message.content or "").split()) == 4
    async with httpx.AsyncClient(base_url=stub.root_url) as http:
        bad = [
            await http.post("/stub/config", json={"fail_mode": "explode"}),
            await http.post("/stub/config", json={"reply_words": 0}),
            await http.post("/stub/config", json={"reply_words": "many"}),
            await http.post("/stub/config", json={"max_recorded_requests": 5}),
        ]
        not_json = await http.post("/stub/config", content=b"[")
    assert [r.status_code for r in bad] == [422, 422, 422, 422]
    assert all(isinstance(r.json()["detail"], str) for r in bad)
    assert not_json.status_code == 400
    assert stub.config()["reply_words"] == 4  # refused changes left the settings alone


async def test_slow_stream_stops_when_the_client_leaves(stub: LlmStub) -> None:
    """An abandoned slow stream does not keep the stub busy until its last word."""
    async with httpx.AsyncClient() as http:
        body = {"model": "m", "messages": ask("[stub:words=1000] [stub:delay=50]"), "stream": True}
        async with http.stream("POST", stub.base_url + "/chat/completions", json=body) as response:
            async for _ in response.aiter_bytes():
                break
            assert stub.stats()["in_flight"] == 1
    stub.wait_idle(timeout=1.0)  # 1000 words at 50 ms would take 50 s


@pytest.mark.parametrize(
    ("status", "error"), [(429, openai.RateLimitError), (503, openai.InternalServerError)]
)
async def test_status_marker_answers_that_http_error(
    client: AsyncOpenAI, status: int, error: type[openai.APIStatusError]
) -> None:
    with pytest.raises(error) as caught:
        await client.chat.completions.create(model="m", messages=ask(f"[stub:status={status}]"))
    assert caught.value.status_code == status
    assert FAKE_SECRET in caught.value.message
