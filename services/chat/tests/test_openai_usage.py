"""Usage on /api/v1 when the provider reports none (older vLLM, llama.cpp builds): Parley's
estimate, marked ``X-Parley-Usage: estimated``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest
from openai import AsyncOpenAI
from parley_testing import LlmStub, serve_asgi
from parley_testing import TestKey as Key
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .conftest import Chat, running_chat
from .two_providers import SwitchableCatalog, model, provider, two_providers

REPLY = "a reply without any usage"


async def _complete(request: Request) -> Response:
    """An OpenAI-compatible answer that never says how many tokens it used."""
    body = await request.json()
    if body.get("stream"):
        chunks = [{"role": "assistant", "content": ""}, {"content": REPLY}]
        lines = [
            {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
            }
            for delta in chunks
        ]
        lines[-1]["choices"][0]["finish_reason"] = "stop"
        text = "".join(f"data: {json.dumps(line)}\n\n" for line in lines) + "data: [DONE]\n\n"
        return Response(text, media_type="text/event-stream")
    return JSONResponse(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": REPLY},
                    "finish_reason": "stop",
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def quiet_provider() -> Iterator[str]:
    app = Starlette(routes=[Route("/v1/chat/completions", _complete, methods=["POST"])])
    with serve_asgi(app) as url:
        yield url + "/v1"


@pytest.fixture
async def chat(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub, quiet_provider: str
) -> AsyncIterator[Chat]:
    snapshot = two_providers(stub.base_url, stub_two.base_url, model("quiet", "quiet"))
    providers = {**snapshot.providers, "quiet": provider("quiet", quiet_provider)}
    catalog = SwitchableCatalog(replace(snapshot, providers=providers))
    async with running_chat(make_settings(), signing_key, catalog) as running:
        yield running


def client(chat: Chat) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=f"{chat.url}/api/v1", api_key=chat.user().token, max_retries=0)


async def test_without_the_providers_usage_the_answer_carries_an_estimate(chat: Chat) -> None:
    messages = [{"role": "user", "content": "count these words please"}]
    raw = await client(chat).chat.completions.with_raw_response.create(
        model="quiet",
        messages=messages,  # type: ignore[arg-type]
    )
    assert raw.headers["X-Parley-Usage"] == "estimated"
    usage = raw.parse().usage
    assert usage is not None
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


async def test_a_streams_estimated_usage_is_marked_in_its_usage_chunk(chat: Chat) -> None:
    stream = await client(chat).chat.completions.create(
        model="quiet",
        messages=[{"role": "user", "content": "count these words please"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == REPLY
    usage = chunks[-1].usage
    assert usage is not None and chunks[-1].choices == []
    assert usage.completion_tokens > 0
    assert usage.model_extra == {"estimated": True}


async def test_a_kept_chats_turn_without_the_providers_usage_is_estimated(chat: Chat) -> None:
    api = client(chat)
    raw = await api.chat.completions.with_raw_response.create(
        model="quiet",
        messages=[{"role": "user", "content": "count these words please"}],
        extra_headers={"X-Parley-Chat": "new"},
    )
    assert raw.headers["X-Parley-Usage"] == "estimated"
    usage = raw.parse().usage
    assert usage is not None
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    stream = await api.chat.completions.create(
        model="quiet",
        messages=[{"role": "user", "content": "and once more"}],
        stream=True,
        stream_options={"include_usage": True},
        extra_headers={"X-Parley-Chat": raw.headers["X-Parley-Chat"]},
    )
    chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == REPLY
    last = chunks[-1].usage
    assert last is not None and last.completion_tokens > 0
    assert last.model_extra == {"estimated": True}
