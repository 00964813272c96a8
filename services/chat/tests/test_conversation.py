"""A user's conversation: streamed replies, stored history, reload by a fresh instance."""

from __future__ import annotations

from typing import Any

from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import Chat, running_chat


async def test_reply_streams_and_is_stored(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    created = await chat.create_chat(alice)
    events = await chat.send(alice, created["id"], "hello there [stub:words=12]")

    names = [e.event for e in events]
    assert names[0] == "run.started" and names[-1] == "run.completed"
    assert set(names[1:-1]) == {"message.delta"}
    assert all(e.id is not None for e in events)
    ids = [int(e.id) for e in events if e.id is not None]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    run_id = events[0].data["run_id"]
    text = "".join(e.data["text"] for e in events if e.event == "message.delta")
    assert text.startswith("Stub reply to: hello there")
    completed = events[-1].data
    assert completed["run_id"] == run_id
    assert completed["message"]["content"] == text
    assert completed["message"]["status"] == "completed"

    stored = await chat.get_chat(alice, created["id"])
    assert [(m["role"], m["status"]) for m in stored["messages"]] == [
        ("user", "completed"),
        ("assistant", "completed"),
    ]
    assert stored["messages"][0]["content"] == "hello there [stub:words=12]"
    assert stored["messages"][1]["content"] == text


async def test_history_is_sent_and_survives_a_restart(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    settings = make_settings(SYSTEM_PROMPT="You are a test assistant.")
    async with running_chat(settings, signing_key) as first:
        alice = first.user()
        chat_id = (await first.create_chat(alice))["id"]
        await first.send(alice, chat_id, "my name is Ada")
        await first.send(alice, chat_id, "what is my name")
    stub.clear()
    async with running_chat(settings, signing_key) as second:
        second.users["alice"] = alice
        stored = await second.get_chat(alice, chat_id)
        assert [m["content"] for m in stored["messages"] if m["role"] == "user"] == [
            "my name is Ada",
            "what is my name",
        ]
        await second.send(alice, chat_id, "third turn")
    sent = [r for r in stub.requests() if r.get("stream")]
    messages = sent[-1]["messages"]
    assert messages[0] == {"role": "system", "content": "You are a test assistant."}
    user_turns = [m["content"] for m in messages if m["role"] == "user"]
    assert user_turns == ["my name is Ada", "what is my name", "third turn"]
    assistant_turns = [m["content"] for m in messages if m["role"] == "assistant"]
    assert len(assistant_turns) == 2
    assert assistant_turns[0].startswith("Stub reply to: my name is Ada")


async def test_history_window_is_configurable(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    async with running_chat(make_settings(HISTORY_RUNS=1), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        for turn in ("turn one", "turn two", "turn three"):
            await chat.send(alice, chat_id, turn)
    sent = [r for r in stub.requests() if r.get("stream")][-1]["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["turn two", "turn three"]
    async with running_chat(make_settings(HISTORY_RUNS=0), signing_key) as chat:
        chat.users["alice"] = alice
        await chat.send(alice, chat_id, "turn four")
    sent = [r for r in stub.requests() if r.get("stream")][-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user"]


async def test_a_long_chat_reads_only_its_history_window_and_keeps_every_message(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    turns = [f"turn {n}" for n in range(14)]
    async with running_chat(make_settings(HISTORY_RUNS=3), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        for turn in turns:
            events = await chat.send(alice, chat_id, turn)
            assert events[-1].event == "run.completed"
        stored = await chat.get_chat(alice, chat_id)
    # Every turn kept, in order, though each run read only the last few from the database.
    assert [m["content"] for m in stored["messages"] if m["role"] == "user"] == turns
    replies = [m for m in stored["messages"] if m["role"] == "assistant"]
    assert len(replies) == len(turns)
    assert all(m["status"] == "completed" for m in replies)
    assert replies[0]["content"].startswith("Stub reply to: turn 0")
    sent = [r for r in stub.requests() if r.get("stream")][-1]["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == turns[-4:]
    assistant = [m["content"] for m in sent if m["role"] == "assistant"]
    assert len(assistant) == 3
    for reply, turn in zip(assistant, turns[-4:-1], strict=True):
        assert reply.startswith(f"Stub reply to: {turn} ")
