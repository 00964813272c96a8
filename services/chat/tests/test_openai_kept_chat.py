"""``X-Parley-Chat`` on /api/v1: a conversation kept as a Parley chat, driven by the official
``openai`` package against the app on a real socket and the LLM stub over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import Chat, User
from .openai_support import client, two_provider_chat

HEADER = "X-Parley-Chat"


@pytest.fixture
async def chat(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub
) -> AsyncIterator[Chat]:
    async with two_provider_chat(make_settings, signing_key, stub, stub_two) as running:
        yield running


def user_says(text: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "user", "content": text}]


def kept(chat_id: str = "new") -> dict[str, str]:
    return {HEADER: chat_id}


async def listed_chats(chat: Chat, user: User) -> list[dict[str, Any]]:
    response = await chat.http.get("/api/chats", headers=user.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def stored_when_done(chat: Chat, user: User, chat_id: str) -> list[dict[str, Any]]:
    """The chat's messages once no reply is in flight."""
    for _ in range(200):
        found = await chat.get_chat(user, chat_id)
        if found["active_run_id"] is None:
            messages: list[dict[str, Any]] = found["messages"]
            return messages
        await asyncio.sleep(0.05)
    raise AssertionError("the reply never ended")


def streamed_user_turns(stub: LlmStub) -> list[str]:
    messages = [r for r in stub.requests() if r.get("stream")][-1]["messages"]
    return [m["content"] for m in messages if m["role"] == "user"]


async def test_a_new_chat_is_kept_and_answers_with_its_history(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    api = client(chat, alice)
    raw = await api.chat.completions.with_raw_response.create(
        model="small", messages=user_says("my name is Ada"), extra_headers=kept()
    )
    chat_id = raw.headers[HEADER]
    first = raw.parse()
    assert first.object == "chat.completion" and first.model == "small"
    reply = first.choices[0].message.content or ""
    assert reply.startswith("Stub reply to: my name is Ada")
    assert first.choices[0].finish_reason == "stop"
    # The usage is the provider's, for what agno sent it (system prompt and the message; the
    # title's request is not streamed).
    sent = [r for r in stub.requests() if r.get("stream")][-1]["messages"]
    async with AsyncOpenAI(base_url=stub.base_url, api_key="sk", max_retries=0) as direct:
        expected = (await direct.chat.completions.create(model="x", messages=sent)).usage
    assert first.usage is not None and expected is not None
    assert (first.usage.prompt_tokens, first.usage.completion_tokens) == (
        expected.prompt_tokens,
        expected.completion_tokens,
    )
    assert "X-Parley-Usage" not in raw.headers

    # A client that re-sends the whole conversation: only the last message is the turn; the
    # stored history is the context, the request's earlier messages are neither sent nor kept.
    again = await api.chat.completions.with_raw_response.create(
        model="small",
        messages=[
            {"role": "system", "content": "a system prompt of the client"},
            {"role": "user", "content": "my name is Ada"},
            {"role": "assistant", "content": "a reply the client made up"},
            {"role": "user", "content": "what is my name"},
        ],
        extra_headers=kept(chat_id),
    )
    assert again.headers[HEADER] == chat_id
    assert (again.parse().choices[0].message.content or "").startswith("Stub reply to: what is")
    sent = [r for r in stub.requests() if r.get("stream")][-1]["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == [
        "my name is Ada",
        "what is my name",
    ]
    assert [m["content"] for m in sent if m["role"] == "assistant"] == [reply]
    assert "a system prompt of the client" not in str(sent)

    # The web client shows it as any chat of alice's, with its model and an automatic title.
    stored = await chat.get_chat(alice, chat_id)
    assert [(m["role"], m["content"][:22]) for m in stored["messages"]] == [
        ("user", "my name is Ada"),
        ("assistant", "Stub reply to: my name"),
        ("user", "what is my name"),
        ("assistant", "Stub reply to: what is"),
    ]
    assert stored["model"] == "small"
    for _ in range(100):
        listed = await listed_chats(chat, alice)
        if listed[0]["title"]:
            break
        await asyncio.sleep(0.05)
    assert [(c["id"], bool(c["title"])) for c in listed] == [(chat_id, True)]
    assert await listed_chats(chat, chat.user("bob")) == []


async def test_a_kept_stream_relays_the_reply_then_usage_and_done(
    chat: Chat, stub: LlmStub
) -> None:
    alice = chat.user()
    api = client(chat, alice)
    raw = await api.chat.completions.with_raw_response.create(
        model="small",
        messages=user_says("stream me [stub:words=20]"),
        stream=True,
        stream_options={"include_usage": True},
        extra_headers=kept(),
    )
    chat_id = raw.headers[HEADER]
    assert raw.headers["content-type"].startswith("text/event-stream")
    chunks = [c async for c in raw.parse()]
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len({c.id for c in chunks}) == 1
    assert {c.model for c in chunks} == {"small"}
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0
    assert chunks[-1].usage.model_extra == {}  # the provider's figures, not an estimate
    stored = await chat.get_chat(alice, chat_id)
    assert [m["content"] for m in stored["messages"]] == ["stream me [stub:words=20]", text]

    # Following up in a stream too, without asking for usage.
    stream = await api.chat.completions.create(
        model="small",
        messages=user_says("and again"),
        stream=True,
        extra_headers=kept(chat_id),
    )
    follow_up = [c async for c in stream]
    assert all(c.choices and c.usage is None for c in follow_up)
    assert streamed_user_turns(stub) == ["stream me [stub:words=20]", "and again"]


async def test_the_stream_ends_with_done(chat: Chat) -> None:
    body = {"model": "small", "messages": user_says("hi"), "stream": True}
    response = await chat.http.post(
        "/api/v1/chat/completions", json=body, headers={**chat.user().headers, **kept()}
    )
    assert response.status_code == 200
    assert response.text.rstrip().endswith("data: [DONE]")
    uuid.UUID(response.headers[HEADER])


async def test_an_unknown_or_foreign_chat_is_not_found(chat: Chat) -> None:
    alice, bob = chat.user(), chat.user("bob")
    bobs = (await chat.create_chat(bob))["id"]
    for chat_id in (str(uuid.uuid4()), bobs):
        with pytest.raises(openai.NotFoundError) as caught:
            await client(chat, alice).chat.completions.create(
                model="small", messages=user_says("hi"), extra_headers=kept(chat_id)
            )
        assert caught.value.code == "chat_not_found"
    assert (await chat.get_chat(bob, bobs))["messages"] == []
    assert await listed_chats(chat, alice) == []


@pytest.mark.parametrize("value", ["", "newer", "123", "not-a-chat-id"])
async def test_a_bad_chat_id_is_a_400(chat: Chat, value: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await client(chat).chat.completions.create(
            model="small", messages=user_says("hi"), extra_headers=kept(value)
        )
    assert caught.value.code == "invalid_chat_id"


async def test_a_chat_with_a_reply_in_flight_is_busy(chat: Chat) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    async with chat.stream(alice, chat_id, "long one [stub:words=200] [stub:delay=20]") as ev:
        await anext(ev)
        with pytest.raises(openai.ConflictError) as caught:
            await client(chat, alice).chat.completions.create(
                model="small", messages=user_says("me too"), extra_headers=kept(chat_id)
            )
    assert caught.value.status_code == 409
    assert caught.value.code == "chat_busy"
    messages = await stored_when_done(chat, alice, chat_id)
    assert [m["content"] for m in messages if m["role"] == "user"] == [
        "long one [stub:words=200] [stub:delay=20]"
    ]


@pytest.mark.parametrize(
    ("messages", "param", "code"),
    [
        (
            [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
            "messages[1].role",
            None,
        ),
        ([{"role": "user", "content": "   "}], "messages[0].content", None),
        (
            [{"role": "user", "content": "x" * 32_001}],
            "messages[0].content",
            "string_above_max_length",
        ),
        ([{"role": "user", "content": "word " * 5000}], "messages", "context_length_exceeded"),
    ],
)
async def test_a_turn_that_cannot_be_kept_is_a_400_and_keeps_nothing(
    chat: Chat, messages: list[ChatCompletionMessageParam], param: str, code: str | None
) -> None:
    alice = chat.user()
    with pytest.raises(openai.BadRequestError) as caught:
        await client(chat, alice).chat.completions.create(
            model="small", messages=messages, extra_headers=kept()
        )
    assert caught.value.param == param
    assert caught.value.code == code
    assert await listed_chats(chat, alice) == []


async def test_a_model_the_caller_may_not_use_creates_no_chat(chat: Chat) -> None:
    alice = chat.user()
    for model in ("secret", "retired", "no-such-model"):
        with pytest.raises(openai.NotFoundError) as caught:
            await client(chat, alice).chat.completions.create(
                model=model, messages=user_says("hi"), extra_headers=kept()
            )
        assert caught.value.code == "model_not_found"
    assert await listed_chats(chat, alice) == []


async def test_a_disconnect_does_not_stop_the_reply(chat: Chat) -> None:
    alice = chat.user()
    raw = await client(chat, alice).chat.completions.with_raw_response.create(
        model="small",
        messages=user_says("tell me a story [stub:words=40] [stub:delay=20]"),
        stream=True,
        extra_headers=kept(),
    )
    stream = raw.parse()
    async for c in stream:
        if c.choices and c.choices[0].delta.content:
            break
    await stream.close()
    messages = await stored_when_done(chat, alice, raw.headers[HEADER])
    assert messages[1]["status"] == "completed"
    assert len(messages[1]["content"].split()) == 40


@pytest.mark.parametrize("stream", [False, True])
async def test_a_failed_reply_is_an_api_error_and_stored_as_one(chat: Chat, stream: bool) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    api = client(chat, alice)
    failing = user_says("fail [stub:error500]")
    if stream:
        chunks = await api.chat.completions.create(
            model="small", messages=failing, stream=True, extra_headers=kept(chat_id)
        )
        with pytest.raises(openai.APIError) as caught:
            async for _ in chunks:
                pass
        assert isinstance(caught.value.body, dict)
        assert caught.value.body.get("code") == "llm_error"
    else:
        with pytest.raises(openai.InternalServerError) as failed:
            await api.chat.completions.create(
                model="small", messages=failing, extra_headers=kept(chat_id)
            )
        assert failed.value.status_code == 502
        assert failed.value.code == "llm_error"
        assert failed.value.response.headers[HEADER] == chat_id
        assert "SECRET" not in str(failed.value.body)
    messages = await stored_when_done(chat, alice, chat_id)
    assert [(m["role"], m["status"]) for m in messages] == [
        ("user", "completed"),
        ("assistant", "error"),
    ]


async def test_a_keys_kept_chat_is_its_owners(chat: Chat) -> None:
    alice = chat.user()
    created = await chat.http.post("/api/keys", json={"name": "script"}, headers=alice.headers)
    assert created.status_code == 201, created.text
    api = client(chat, key=created.json()["key"])
    raw = await api.chat.completions.with_raw_response.create(
        model="large", messages=user_says("from a script"), extra_headers=kept()
    )
    chat_id = raw.headers[HEADER]
    assert [c["id"] for c in await listed_chats(chat, alice)] == [chat_id]
    stored = await chat.get_chat(alice, chat_id)
    assert stored["model"] == "large"
    assert stored["messages"][1]["model"] == "large"
