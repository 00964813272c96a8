"""Chat list paging and order, rename, delete, titles."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import psycopg
from parley_testing import LlmStub

from .conftest import Chat


async def _list_all(chat: Chat, headers: dict[str, str], limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await chat.http.get("/api/chats", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert pages <= 200


async def test_list_pages_over_120_chats_newest_first(chat: Chat) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    created = [await chat.create_chat(alice, title=f"chat {i}") for i in range(120)]
    await chat.create_chat(bob, title="bob's")

    default = await chat.http.get("/api/chats", headers=alice.headers)
    assert len(default.json()["items"]) == 50

    listed = await _list_all(chat, alice.headers, limit=17)
    assert len(listed) == 120
    assert {c["id"] for c in listed} == {c["id"] for c in created}
    assert all(set(c) == {"id", "title", "created_at", "updated_at", "model"} for c in listed)
    stamps = [c["updated_at"] for c in listed]
    assert stamps == sorted(stamps, reverse=True)
    assert len(await _list_all(chat, alice.headers, limit=100)) == 120
    assert len(await _list_all(chat, alice.headers, limit=1)) == 120

    # A new message moves an old chat to the top (timestamps are whole seconds).
    await asyncio.sleep(1.1)
    oldest = listed[-1]
    await chat.send(alice, oldest["id"], "bump")
    top = (await chat.http.get("/api/chats?limit=1", headers=alice.headers)).json()
    assert top["items"][0]["id"] == oldest["id"]
    assert top["items"][0]["updated_at"] > oldest["updated_at"]


async def test_rename_and_delete(chat: Chat, db_url: str) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    await chat.send(alice, chat_id, "hello")
    renamed = await chat.http.patch(
        f"/api/chats/{chat_id}", json={"title": "  Trip to Lisbon  "}, headers=alice.headers
    )
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Trip to Lisbon"
    assert (await chat.get_chat(alice, chat_id))["title"] == "Trip to Lisbon"

    deleted = await chat.http.delete(f"/api/chats/{chat_id}", headers=alice.headers)
    assert deleted.status_code == 204
    with psycopg.connect(db_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM ai.agno_runs WHERE session_id = %s", (chat_id,)
        ).fetchone()
    assert left == (0,)  # its runs went too
    assert (await chat.http.get(f"/api/chats/{chat_id}", headers=alice.headers)).status_code == 404
    again = await chat.http.delete(f"/api/chats/{chat_id}", headers=alice.headers)
    assert again.status_code == 404
    assert (await chat.http.get("/api/chats", headers=alice.headers)).json()["items"] == []


async def _wait_for_title(chat: Chat, user: Any, chat_id: str) -> str | None:
    for _ in range(100):
        title = (await chat.get_chat(user, chat_id))["title"]
        if title:
            return str(title)
        await asyncio.sleep(0.05)
    return None


async def test_title_is_generated_after_the_first_reply(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    assert (await chat.get_chat(alice, chat_id))["title"] is None
    await chat.send(alice, chat_id, "plan a weekend in Porto")
    title = await _wait_for_title(chat, alice, chat_id)
    # The stub answers the title request like any other: "Stub reply to: <message> ...".
    assert title is not None and title.startswith("Stub reply to")
    title_requests = [r for r in stub.requests() if not r.get("stream")]
    assert len(title_requests) == 1
    assert "plan a weekend in Porto" in title_requests[0]["messages"][-1]["content"]
    # Later replies keep the title.
    await chat.send(alice, chat_id, "and in Lisbon")
    await asyncio.sleep(0.3)
    assert (await chat.get_chat(alice, chat_id))["title"] == title


async def test_title_falls_back_to_first_words_when_the_model_fails(
    chat: Chat, stub: LlmStub
) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    message = "one two three four five six seven eight [stub:words=40] [stub:delay=50]"
    async with chat.stream(alice, chat_id, message) as events:
        names = [(await anext(events)).event, (await anext(events)).event]
        assert names == ["run.started", "message.delta"]
        # The reply is already streaming; every request from now on (the title one) fails.
        with stub.configured(fail_mode="error500"):
            names += [e.event async for e in events]
            assert names[-1] == "run.completed"
            title = await _wait_for_title(chat, alice, chat_id)
    assert title == "one two three four five six"


async def test_user_title_is_never_overwritten(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice, title="Mine"))["id"]
    await chat.send(alice, chat_id, "hello")
    await asyncio.sleep(0.3)
    assert (await chat.get_chat(alice, chat_id))["title"] == "Mine"
    assert not [r for r in stub.requests() if not r.get("stream")]

    # Renamed while a reply is being generated: the run's own save keeps the new title.
    other = (await chat.create_chat(alice))["id"]
    post = asyncio.create_task(chat.send(alice, other, "slow one [stub:delay=30]"))
    await asyncio.sleep(0.3)
    renamed = await chat.http.patch(
        f"/api/chats/{other}", json={"title": "Renamed mid-run"}, headers=alice.headers
    )
    assert renamed.status_code == 200
    events = await post
    assert events[-1].event == "run.completed"
    await asyncio.sleep(0.3)
    assert (await chat.get_chat(alice, other))["title"] == "Renamed mid-run"


async def test_a_long_chat_pages_its_messages_newest_first(chat: Chat, db_url: str) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    chat_id = (await chat.create_chat(alice, title="long"))["id"]
    turns = 120
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.cursor().executemany(
            "INSERT INTO ai.agno_runs (run_id, session_id, run_type, agent_id, user_id, status, "
            "run_index, run_data, created_at, updated_at) VALUES (gen_random_uuid()::text, %s, "
            "'agent', 'parley', %s, 'COMPLETED', %s, %s, 1700000000 + %s, 1700000000 + %s)",
            [
                (
                    chat_id,
                    alice.id,
                    i,
                    json.dumps({"input": {"input_content": f"q{i}"}, "content": f"a{i}"}),
                    i,
                    i,
                )
                for i in range(turns)
            ],
        )
    url = f"/api/chats/{chat_id}"
    newest = (await chat.http.get(url, headers=alice.headers)).json()
    # The newest 50 turns by default, oldest first within the page, and a way back.
    assert [m["content"] for m in newest["messages"][-2:]] == ["q119", "a119"]
    assert newest["messages"][0]["content"] == "q70" and len(newest["messages"]) == 100
    assert newest["older_cursor"]

    said: list[str] = []
    params: dict[str, Any] = {"limit": 33}
    for _ in range(10):
        page = (await chat.http.get(url, params=params, headers=alice.headers)).json()
        said = [m["content"] for m in page["messages"] if m["role"] == "user"] + said
        if page["older_cursor"] is None:
            break
        params["before"] = page["older_cursor"]
    assert said == [f"q{i}" for i in range(turns)]

    # The cursor opens nothing of someone else's; bad paging input is a clear 422.
    foreign = await chat.http.get(url, params=params, headers=bob.headers)
    assert foreign.status_code == 404
    for bad in ({"before": "not-a-cursor"}, {"limit": 0}, {"limit": 201}):
        refused = await chat.http.get(url, params=bad, headers=alice.headers)
        assert refused.status_code == 422 and "detail" in refused.json()
    short = (await chat.create_chat(alice))["id"]
    assert (await chat.http.get(f"/api/chats/{short}", headers=alice.headers)).json()[
        "older_cursor"
    ] is None
