"""The OpenAI-compatible API under /api/v1, driven by the official ``openai`` package against
the app on a real socket and the LLM stub over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
import pytest
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import Chat, User
from .openai_support import client, two_provider_chat
from .two_providers import SMALL_REPLY

OPENAI_ERROR_KEYS = {"message", "type", "param", "code"}


@pytest.fixture
async def chat(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub
) -> AsyncIterator[Chat]:
    async with two_provider_chat(make_settings, signing_key, stub, stub_two) as running:
        yield running


def staff(chat: Chat) -> User:
    sub = str(uuid.uuid4())
    return User(sub, chat.signing_key.token(sub, groups=["staff"]))


def said(text: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]


async def stub_usage(stub: LlmStub, model: str, messages: list[ChatCompletionMessageParam]) -> Any:
    """The usage the stub itself reports for these messages."""
    async with AsyncOpenAI(base_url=stub.base_url, api_key="sk-test", max_retries=0) as direct:
        answer = await direct.chat.completions.create(model=model, messages=messages)
    return answer.usage


async def test_models_lists_what_the_callers_groups_allow(chat: Chat) -> None:
    listed = await client(chat).models.list()
    assert [m.id for m in listed.data] == ["small", "large"]
    assert {(m.object, m.owned_by) for m in listed.data} == {("model", "parley")}
    staff_listed = await client(chat, staff(chat)).models.list()
    assert [m.id for m in staff_listed.data] == ["small", "large", "secret"]


async def test_a_completion_answers_with_the_providers_usage(chat: Chat, stub: LlmStub) -> None:
    messages = said("hello there, how are you")
    raw = await client(chat).chat.completions.with_raw_response.create(
        model="small", messages=messages, temperature=0.2, top_p=0.9, stop=["zzz"], user="u1"
    )
    answer = raw.parse()
    assert "X-Parley-Usage" not in raw.headers
    assert answer.object == "chat.completion"
    assert answer.id.startswith("chatcmpl-")
    assert answer.model == "small"
    assert answer.choices[0].message.role == "assistant"
    assert answer.choices[0].message.content.startswith("Stub reply to: hello there")  # type: ignore[union-attr]
    assert answer.choices[0].finish_reason == "stop"
    sent = stub.last_request()
    assert sent["model"] == "alpha-small"  # the upstream name
    assert (sent["temperature"], sent["top_p"], sent["stop"]) == (0.2, 0.9, ["zzz"])
    assert sent["max_tokens"] == SMALL_REPLY  # none asked: the model's maximum
    assert "user" not in sent
    expected = await stub_usage(stub, "alpha-small", messages)
    assert answer.usage is not None
    assert answer.usage.model_dump() == expected.model_dump()


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
async def test_the_reply_length_is_capped_at_the_models_maximum(
    chat: Chat, stub: LlmStub, field: str
) -> None:
    api = client(chat)
    await api.chat.completions.create(model="small", messages=said("hi"), **{field: 100_000})  # type: ignore[call-overload]
    assert stub.last_request()["max_tokens"] == SMALL_REPLY
    answer = await api.chat.completions.create(
        model="small",
        messages=said("hi [stub:words=50]"),
        **{field: 3},  # type: ignore[call-overload]
    )
    assert stub.last_request()["max_tokens"] == 3
    assert answer.choices[0].finish_reason == "length"


async def test_a_stream_gives_chunks_then_a_usage_chunk(chat: Chat, stub: LlmStub) -> None:
    messages = said("stream me something")
    whole = await client(chat).chat.completions.create(model="small", messages=messages)
    stream = await client(chat).chat.completions.create(
        model="small", messages=messages, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    last = chunks[-1]
    assert last.choices == []
    expected = await stub_usage(stub, "alpha-small", messages)
    assert last.usage is not None
    assert last.usage.model_dump() == expected.model_dump()


async def test_a_stream_without_include_usage_has_no_usage_chunk(
    chat: Chat, stub_two: LlmStub
) -> None:
    stream = await client(chat).chat.completions.create(
        model="large", messages=said("hi"), stream=True
    )
    chunks = [chunk async for chunk in stream]
    assert all(c.choices and c.usage is None for c in chunks)
    # The provider is asked for usage anyway: the call's usage is known either way.
    assert stub_two.last_request()["stream_options"] == {"include_usage": True}


async def test_the_response_stream_ends_with_done(chat: Chat) -> None:
    body = {"model": "small", "messages": said("hi"), "stream": True}
    response = await chat.http.post(
        "/api/v1/chat/completions", json=body, headers=chat.user().headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.rstrip().endswith("data: [DONE]")


async def test_a_model_the_caller_may_not_use_is_not_found(chat: Chat) -> None:
    for name in ("secret", "retired", "no-such-model"):
        with pytest.raises(openai.NotFoundError) as caught:
            await client(chat).chat.completions.create(model=name, messages=said("hi"))
        assert caught.value.code == "model_not_found"
        assert caught.value.param == "model"
    answer = await client(chat, staff(chat)).chat.completions.create(
        model="secret", messages=said("hi")
    )
    assert answer.model == "secret"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "small"}, "messages"),
        ({"model": "small", "messages": []}, "messages"),
        ({"model": "small", "messages": [{"role": "tool", "content": "x"}]}, "messages[0].role"),
        ({"model": "small", "messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
        (
            {"model": "small", "messages": [{"role": "user", "content": "x"}], "temperature": 3},
            "temperature",
        ),
        (
            {
                "model": "small",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "what is this?"},
                            {"type": "image_url", "image_url": {"url": "data:image/png;base64,"}},
                        ],
                    }
                ],
            },
            "messages[0].content",
        ),
    ],
)
async def test_a_bad_body_is_openais_400(chat: Chat, body: dict[str, Any], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await client(chat).post("/chat/completions", body=body, cast_to=httpx.Response)
    assert caught.value.status_code == 400
    error = caught.value.body
    assert isinstance(error, dict)
    assert set(error) == OPENAI_ERROR_KEYS
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param


async def test_text_parts_and_the_developer_role_are_served(chat: Chat, stub: LlmStub) -> None:
    answer = await client(chat).chat.completions.create(
        model="small",
        messages=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "parts work"}]},
        ],
    )
    assert answer.choices[0].message.content.startswith("Stub reply to: parts work")  # type: ignore[union-attr]
    assert stub.last_request()["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "parts work"},
    ]


async def test_no_or_a_bad_token_is_an_authentication_error(chat: Chat) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        await client(chat, key="not-a-token").models.list()
    assert caught.value.code == "invalid_api_key"
    response = await chat.http.get("/api/v1/models")
    assert response.status_code == 401
    assert set(response.json()["error"]) == OPENAI_ERROR_KEYS
    # The rest of the API keeps its own shape.
    assert set((await chat.http.get("/api/models")).json()) == {"detail"}


@pytest.mark.parametrize(
    ("marker", "status", "code"),
    [
        ("[stub:status=401]", 502, "provider_auth_failed"),
        ("[stub:error500]", 502, "llm_error"),
        ("[stub:status=503]", 503, "llm_unavailable"),
        ("[stub:status=429]", 503, "provider_rate_limited"),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_a_provider_failure_is_an_api_error(
    chat: Chat, marker: str, status: int, code: str, stream: bool
) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        await client(chat).chat.completions.create(
            model="large", messages=said(f"fail {marker}"), stream=stream
        )
    assert caught.value.status_code == status
    assert caught.value.code == code
    assert caught.value.type == "api_error"
    assert "SECRET" not in str(caught.value.body)


async def test_a_stream_cut_by_the_provider_ends_in_an_error(chat: Chat) -> None:
    stream = await client(chat).chat.completions.create(
        model="small", messages=said("go [stub:cut]"), stream=True
    )
    with pytest.raises(openai.APIError):
        async for _ in stream:
            pass


async def test_a_body_over_the_limit_is_openais_413(chat: Chat) -> None:
    huge = "word " * (110 * 1024)  # 550 KiB, over the 512 KiB a whole history may take
    response = await chat.http.post(
        "/api/v1/chat/completions",
        json={"model": "small", "messages": [{"role": "user", "content": huge}]},
        headers=chat.user().headers,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


async def test_a_parley_api_key_works_until_it_is_revoked(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    created = await chat.http.post("/api/keys", json={"name": "script"}, headers=alice.headers)
    assert created.status_code == 201, created.text
    key = created.json()
    api = client(chat, key=key["key"])
    assert [m.id for m in (await api.models.list()).data] == ["small", "large"]
    stream = await api.chat.completions.create(
        model="small", messages=said("by key"), stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    assert chunks[-1].usage is not None
    assert (
        chunks[-1].usage.model_dump()
        == (await stub_usage(stub, "alpha-small", said("by key"))).model_dump()
    )
    revoked = await chat.http.delete(f"/api/keys/{key['id']}", headers=alice.headers)
    assert revoked.status_code == 204
    with pytest.raises(openai.AuthenticationError) as caught:
        await api.chat.completions.create(model="small", messages=said("still?"))
    assert caught.value.code == "invalid_api_key"
    # A well-formed key nobody issued is refused alike.
    with pytest.raises(openai.AuthenticationError):
        await client(chat, key="pk-parley-" + "A" * 40).models.list()
