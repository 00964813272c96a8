"""Replies as the openai client sees them: streamed word by word, deterministic, exact format."""

from __future__ import annotations

import time

import httpx
import orjson
from openai import AsyncOpenAI
from parley_testing import LlmStub

from .conftest import Messages, ServeStub

HELLO: Messages = [{"role": "user", "content": "hello there, how are you today?"}]


async def stream_reply(client: AsyncOpenAI, messages: Messages) -> list[str]:
    stream = await client.chat.completions.create(model="m", messages=messages, stream=True)
    return [
        c.choices[0].delta.content async for c in stream if c.choices and c.choices[0].delta.content
    ]


async def test_streamed_words_join_to_the_plain_reply(client: AsyncOpenAI) -> None:
    chunks = []
    stream = await client.chat.completions.create(
        model="gpt-test",
        messages=HELLO,
        stream=True,
        stream_options={"include_usage": True},
    )
    async for chunk in stream:
        chunks.append(chunk)
    plain = await client.chat.completions.create(model="gpt-test", messages=HELLO)

    assert chunks[0].choices[0].delta.role == "assistant"
    words = [
        c.choices[0].delta.content for c in chunks[1:] if c.choices and c.choices[0].delta.content
    ]
    assert len(words) == 30  # default reply length, one word per chunk
    assert all(w.count(" ") == (0 if i == 0 else 1) for i, w in enumerate(words))
    text = "".join(words)
    assert text == plain.choices[0].message.content
    assert text.startswith("Stub reply to: hello there, how are you today? ")
    assert text.endswith(".")
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert plain.choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 30
    assert plain.usage is not None and plain.usage.prompt_tokens == 6
    assert chunks[0].model == plain.model == "gpt-test"


async def test_reply_is_deterministic_across_servers(serve_stub: ServeStub) -> None:
    replies = []
    for _ in range(2):
        with serve_stub(reply_words=12) as url:
            async with AsyncOpenAI(base_url=url, api_key="k", max_retries=0) as client:
                replies.append("".join(await stream_reply(client, HELLO)))
                other: Messages = [{"role": "user", "content": "something else entirely"}]
                replies.append("".join(await stream_reply(client, other)))
    assert replies[0] == replies[2] and replies[1] == replies[3]
    assert replies[0] != replies[1]
    assert len(replies[0].split()) == 12


async def test_reply_answers_the_last_user_message(client: AsyncOpenAI) -> None:
    messages: Messages = [
        {"role": "system", "content": "be nice"},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": [{"type": "text", "text": "second question [stub:words=6]"}]},
    ]
    reply = await client.chat.completions.create(model="m", messages=messages)
    text = reply.choices[0].message.content or ""
    assert text.split()[:5] == ["Stub", "reply", "to:", "second", "question"]
    assert len(text.split()) == 6 and "[stub:" not in text


async def test_words_marker_and_max_tokens(client: AsyncOpenAI) -> None:
    words = await stream_reply(client, [{"role": "user", "content": "hi [stub:words=5]"}])
    assert len(words) == 5
    capped = await client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        max_tokens=4,
    )
    assert capped.choices[0].finish_reason == "length"
    assert len((capped.choices[0].message.content or "").split()) == 4


async def test_slow_marker_streams_word_by_word(client: AsyncOpenAI) -> None:
    arrivals = []
    started = time.monotonic()
    stream = await client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "go [stub:slow] [stub:words=4]"}],
        stream=True,
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append(time.monotonic() - started)
    assert len(arrivals) == 4
    assert arrivals[0] < 0.15  # the first word is not held back
    assert arrivals[3] - arrivals[0] >= 0.55  # 3 gaps of 200 ms


async def test_server_wide_delays(serve_stub: ServeStub) -> None:
    with serve_stub(reply_words=3, first_token_delay_ms=300, delay_ms=100) as url:
        async with AsyncOpenAI(base_url=url, api_key="k", max_retries=0) as client:
            started = time.monotonic()
            await client.chat.completions.create(model="m", messages=HELLO)
            assert time.monotonic() - started >= 0.5


async def test_models_lists_the_configured_model(client: AsyncOpenAI, stub: LlmStub) -> None:
    models = await client.models.list()
    assert [m.id for m in models.data] == ["parley-stub"]
    with stub.configured(model="other-model"):
        assert [m.id for m in (await client.models.list()).data] == ["other-model"]


async def test_wire_format_is_openai_sse(stub: LlmStub) -> None:
    body = {"model": "m", "messages": HELLO, "stream": True}
    async with httpx.AsyncClient() as http:
        response = await http.post(stub.base_url + "/chat/completions", json=body)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line for line in response.text.split("\n\n") if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    chunks = [orjson.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert chunks[1] == {
        "id": chunks[0]["id"],
        "object": "chat.completion.chunk",
        "created": chunks[0]["created"],
        "model": "m",
        "system_fingerprint": "fp_parley_stub",
        "choices": [
            {"index": 0, "delta": {"content": "Stub"}, "logprobs": None, "finish_reason": None}
        ],
    }
    assert chunks[-1]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }


async def test_bad_requests_get_openai_errors(stub: LlmStub) -> None:
    async with httpx.AsyncClient(base_url=stub.base_url) as http:
        not_json = await http.post("/chat/completions", content=b"{nope")
        no_messages = await http.post("/chat/completions", json={"model": "m"})
        wrong_method = await http.get("/chat/completions")
    assert not_json.status_code == 400 and not_json.json()["error"]["type"]
    assert no_messages.status_code == 400
    assert "messages" in no_messages.json()["error"]["message"]
    assert wrong_method.status_code == 405
    assert stub.requests() == []  # nothing recorded for rejected requests


async def test_usage_is_reported_like_openai(client: AsyncOpenAI) -> None:
    """prompt_tokens: the words of every message; completion_tokens: the words sent (cut by
    max_tokens too); in a stream only when asked, as a last chunk without choices."""
    messages: Messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "count these five words [stub:words=7]"},
    ]
    plain = await client.chat.completions.create(model="m", messages=messages, max_tokens=4)
    assert plain.usage is not None
    prompt = 2 + 5  # the marker is a word of the request as sent
    assert (plain.usage.prompt_tokens, plain.usage.completion_tokens) == (prompt, 4)
    assert plain.usage.total_tokens == prompt + 4

    silent = await client.chat.completions.create(model="m", messages=messages, stream=True)
    assert [c.usage for c in [chunk async for chunk in silent]] == [None] * (1 + 7 + 1)

    asked = await client.chat.completions.create(
        model="m", messages=messages, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in asked]
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (prompt, 7)
    assert chunks[-1].usage.total_tokens == prompt + 7
