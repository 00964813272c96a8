"""A chat has a model: chosen at creation, changed later, or per message; each reply says which
model answered; models a user may not use are refused before any run starts."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import Chat, User, running_chat
from .two_providers import SwitchableCatalog, two_providers


def streamed(stub: LlmStub) -> list[dict[str, Any]]:
    """The streamed completions a stub got (titles are not streamed)."""
    return [r for r in stub.requests() if r.get("stream")]


def stored_runs(db_url: str, chat_id: str) -> int:
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM ai.agno_runs WHERE session_id = %s", (chat_id,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def staff(chat: Chat) -> User:
    sub = str(uuid.uuid4())
    return User(sub, chat.signing_key.token(sub, groups=["staff"]))


async def test_each_model_answers_from_its_provider(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub
) -> None:
    catalog = SwitchableCatalog(two_providers(stub.base_url, stub_two.base_url))
    async with running_chat(make_settings(), signing_key, catalog) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice, title="t"))["id"]

        events = await chat.send(alice, chat_id, "hello default")
        assert events[0].data["model"] == "small"
        assert events[-1].event == "run.completed"
        [asked] = streamed(stub)
        assert asked["model"] == "alpha-small"
        assert asked["max_tokens"] == 256
        assert streamed(stub_two) == []

        events = await chat.send(alice, chat_id, "hello large", model="large")
        assert events[0].data["model"] == "large"
        assert events[-1].event == "run.completed"
        [asked] = streamed(stub_two)
        assert asked["model"] == "beta-large"
        assert asked["max_tokens"] == 1024
        # The history follows the chat across models: the first turn was sent to beta too.
        assert [m["content"] for m in asked["messages"] if m["role"] == "user"] == [
            "hello default",
            "hello large",
        ]

        detail = await chat.get_chat(alice, chat_id)
        assert detail["model"] is None  # the chat itself still uses the default
        replies = [m for m in detail["messages"] if m["role"] == "assistant"]
        assert [m["model"] for m in replies] == ["small", "large"]
        # A replayed run says which model answered, like the live one.
        run_id = events[0].data["run_id"]
        replay = await chat.http.get(
            f"/api/chats/{chat_id}/runs/{run_id}/events", headers=alice.headers
        )
        assert '"model":"large"' in replay.text


async def test_the_chats_model_is_remembered_and_can_be_changed(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub
) -> None:
    catalog = SwitchableCatalog(two_providers(stub.base_url, stub_two.base_url))
    async with running_chat(make_settings(), signing_key, catalog) as chat:
        alice = chat.user()
        created = await chat.create_chat(alice, title="plans", model="large")
        chat_id = created["id"]
        assert created["model"] == "large"

        events = await chat.send(alice, chat_id, "which model?")
        assert events[0].data["model"] == "large"
        assert [r["model"] for r in streamed(stub_two)] == ["beta-large"]
        # agno rewrites the chat's row at the end of each run: the model survives it.
        assert (await chat.get_chat(alice, chat_id))["model"] == "large"

        # Renaming keeps the model; a model change keeps the title.
        renamed = await chat.http.patch(
            f"/api/chats/{chat_id}", json={"title": "new plans"}, headers=alice.headers
        )
        assert renamed.json()["model"] == "large"
        back = await chat.http.patch(
            f"/api/chats/{chat_id}", json={"model": None}, headers=alice.headers
        )
        assert back.status_code == 200, back.text
        assert back.json() == {
            **renamed.json(),
            "model": None,
            "updated_at": back.json()["updated_at"],
        }
        events = await chat.send(alice, chat_id, "and now?")
        assert events[0].data["model"] == "small"

        listed = (await chat.http.get("/api/chats", headers=alice.headers)).json()["items"]
        assert [(c["title"], c["model"]) for c in listed] == [("new plans", None)]
        nothing = await chat.http.patch(f"/api/chats/{chat_id}", json={}, headers=alice.headers)
        assert nothing.status_code == 422


async def test_a_model_change_during_a_reply_is_kept(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub
) -> None:
    catalog = SwitchableCatalog(two_providers(stub.base_url, stub_two.base_url))
    async with running_chat(make_settings(), signing_key, catalog) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice, title="t"))["id"]
        async with chat.stream(alice, chat_id, "slowly [stub:words=20] [stub:delay=30]") as events:
            first = await anext(events)
            assert first.data["model"] == "small"
            changed = await chat.http.patch(
                f"/api/chats/{chat_id}", json={"model": "large"}, headers=alice.headers
            )
            assert changed.json()["model"] == "large"
            assert [e.event async for e in events][-1] == "run.completed"
        await asyncio.sleep(0.2)  # agno's session save follows the run's end
        assert (await chat.get_chat(alice, chat_id))["model"] == "large"


@pytest.mark.parametrize(
    ("model", "detail"),
    [
        ("nope", "unknown model 'nope'"),
        ("retired", "model 'retired' is disabled"),
        ("secret", "model 'secret' is not available to you"),
    ],
)
async def test_models_a_user_may_not_use_are_refused_before_any_run(
    make_settings: Any,
    signing_key: Key,
    stub: LlmStub,
    stub_two: LlmStub,
    db_url: str,
    model: str,
    detail: str,
) -> None:
    catalog = SwitchableCatalog(two_providers(stub.base_url, stub_two.base_url))
    async with running_chat(make_settings(), signing_key, catalog) as chat:
        alice = chat.user()
        refused = await chat.http.post("/api/chats", json={"model": model}, headers=alice.headers)
        assert (refused.status_code, refused.json()) == (422, {"detail": detail})
        chat_id = (await chat.create_chat(alice, title="t"))["id"]
        patched = await chat.http.patch(
            f"/api/chats/{chat_id}", json={"model": model}, headers=alice.headers
        )
        assert (patched.status_code, patched.json()) == (422, {"detail": detail})
        sent = await chat.http.post(
            f"/api/chats/{chat_id}/messages",
            json={"content": "hi", "model": model},
            headers=alice.headers,
        )
        assert (sent.status_code, sent.json()) == (422, {"detail": detail})
        assert stored_runs(db_url, chat_id) == 0
        assert streamed(stub) == streamed(stub_two) == []
        # Someone in the model's groups may use it.
        if model == "secret":
            boss = staff(chat)
            boss_chat = await chat.create_chat(boss, model="secret")
            events = await chat.send(boss, boss_chat["id"], "hi")
            assert events[0].data["model"] == "secret"
            assert [r["model"] for r in streamed(stub_two)] == ["beta-secret"]


async def test_a_chats_model_disabled_later_is_refused_until_another_is_picked(
    make_settings: Any, signing_key: Key, stub: LlmStub, stub_two: LlmStub, db_url: str
) -> None:
    snapshot = two_providers(stub.base_url, stub_two.base_url)
    catalog = SwitchableCatalog(snapshot)
    async with running_chat(make_settings(), signing_key, catalog) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice, model="large"))["id"]
        large = replace(snapshot.models["large"], enabled=False)
        catalog.current = replace(snapshot, models={**snapshot.models, "large": large})

        refused = await chat.http.post(
            f"/api/chats/{chat_id}/messages", json={"content": "hi"}, headers=alice.headers
        )
        assert (refused.status_code, refused.json()) == (
            422,
            {"detail": "model 'large' is disabled"},
        )
        assert stored_runs(db_url, chat_id) == 0
        # Refused before the lease: nothing holds the chat, a turn on another model runs now.
        events = await chat.send(alice, chat_id, "hi", model="small")
        assert events[-1].event == "run.completed"
        # Someone else's chat stays a 404, whatever model it names.
        bob = chat.user("bob")
        stolen = await chat.http.post(
            f"/api/chats/{chat_id}/messages",
            json={"content": "hi", "model": "small"},
            headers=bob.headers,
        )
        assert stolen.status_code == 404
