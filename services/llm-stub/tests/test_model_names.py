"""Any model name is served, and every chunk says which one answered (tests of a catalog with
several models on one stub tell the models apart by it)."""

from __future__ import annotations

import httpx
import orjson
from openai import AsyncOpenAI
from parley_testing import LlmStub

from .conftest import Messages

HELLO: Messages = [{"role": "user", "content": "hello"}]


async def streamed_chunks(stub: LlmStub, body: dict[str, object]) -> list[dict[str, object]]:
    async with httpx.AsyncClient() as http:
        response = await http.post(stub.base_url + "/chat/completions", json=body)
    events = [e.removeprefix("data: ") for e in response.text.split("\n\n") if e]
    assert events[-1] == "[DONE]"
    return [orjson.loads(e) for e in events[:-1]]


async def test_every_chunk_names_the_requested_model(stub: LlmStub) -> None:
    for model in ("parley-stub", "parley-stub-large", "vendor/model:7b-q4"):
        chunks = await streamed_chunks(
            stub,
            {
                "model": model,
                "messages": HELLO,
                "stream": True,
                "stream_options": {"include_usage": True},
            },
        )
        # role chunk, 30 words, finish chunk, usage chunk: each names the model asked for.
        assert len(chunks) == 33
        assert {c["model"] for c in chunks} == {model}


async def test_a_plain_answer_names_the_requested_model(client: AsyncOpenAI) -> None:
    small = await client.chat.completions.create(model="parley-stub", messages=HELLO)
    large = await client.chat.completions.create(model="parley-stub-large", messages=HELLO)
    assert (small.model, large.model) == ("parley-stub", "parley-stub-large")
    assert small.choices[0].message.content == large.choices[0].message.content


async def test_no_model_in_the_request_gets_the_configured_name(stub: LlmStub) -> None:
    with stub.configured(model="house-model"):
        chunks = await streamed_chunks(stub, {"messages": HELLO, "stream": True})
    assert {c["model"] for c in chunks} == {"house-model"}


async def test_any_model_can_be_looked_up(client: AsyncOpenAI) -> None:
    model = await client.models.retrieve("parley-stub-large")
    assert model.id == "parley-stub-large"
    assert (await client.models.retrieve("org/some-model")).id == "org/some-model"
