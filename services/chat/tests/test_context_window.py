"""A chat keeps working against a model with a small context: the history sent is the newest
turns that fit its token budget, replies ask for at most LLM_MAX_TOKENS, and a message too long
for the model is refused before any model call."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import psycopg
from agno.db.base import SessionType
from parley_chat.storage import FinalSaves, context_budget, create_chat_db, create_engine
from parley_testing import LlmStub
from parley_testing import TestKey as Key
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from sqlalchemy import event

from .conftest import Chat, User, running_chat

SMALL_CONTEXT = 4096  # a small local model's window (the stub refuses longer prompts)
REPLY_TOKENS = 256
RUNS = "ai.agno_runs"


def long_message(turn: int, chars: int = 1500) -> str:
    """A distinct long message: the stub's reply quotes its first words ("turn N: ...")."""
    head = f"turn {turn}: "
    filler = "lorem ipsum dolor sit amet " * (chars // 27 + 1)
    return (head + filler)[:chars]


def user_turns(request: dict[str, Any]) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "user"]


def completions(stub: LlmStub) -> list[dict[str, Any]]:
    """The streamed completions the model got (title requests are not streamed)."""
    return [r for r in stub.requests() if r.get("stream")]


async def seed_turns(db_url: str, chat_id: str, contents: list[str]) -> None:
    """Append completed turns to a chat in one bulk insert, copying the chat's last real run
    (so the rows are what the service writes) with fresh ids, indexes and texts."""
    async with await psycopg.AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        cursor = await conn.execute(
            f"SELECT * FROM {RUNS} WHERE session_id = %s ORDER BY run_index DESC LIMIT 1",  # noqa: S608
            (chat_id,),
        )
        template = await cursor.fetchone()
        assert template is not None and template["status"] == "COMPLETED"
        rows = []
        for offset, content in enumerate(contents, start=1):
            run_id = str(uuid.uuid4())
            reply = f"reply to {content.split(':')[0]}"
            data = copy.deepcopy(template["run_data"])
            data["run_id"] = run_id
            data["input"]["input_content"] = content
            data["content"] = reply
            for message in data["messages"]:
                if message["role"] == "user":
                    message["content"] = content
                elif message["role"] == "assistant":
                    message["content"] = reply
            rows.append(
                {
                    **template,
                    "run_id": run_id,
                    "run_index": template["run_index"] + offset,
                    "created_at": template["created_at"] + offset,
                    "run_data": Jsonb(data),
                }
            )
        columns = list(template)
        async with conn.cursor() as cur:
            await cur.executemany(
                f"INSERT INTO {RUNS} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join(f'%({c})s' for c in columns)})",
                rows,
            )
        await conn.commit()


async def long_chat(chat: Chat, user: User, db_url: str, turns: int) -> tuple[str, list[str]]:
    """A chat of ``turns`` long turns: the first through the API, the rest bulk-inserted."""
    chat_id = (await chat.create_chat(user, title="long"))["id"]
    contents = [long_message(n) for n in range(turns)]
    events = await chat.send(user, chat_id, contents[0])
    assert events[-1].event == "run.completed"
    await seed_turns(db_url, chat_id, contents[1:])
    return chat_id, contents


async def test_a_500_turn_chat_of_long_messages_keeps_working_with_a_small_model(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    stub.configure(context_tokens=SMALL_CONTEXT)
    try:
        # Without the token bound (a window it believes to be large), ten long turns overflow
        # the model: the turn fails, as every later turn of the chat used to.
        careless = make_settings(LLM_CONTEXT_TOKENS=100_000, HISTORY_MAX_TOKENS=60_000)
        async with running_chat(careless, signing_key) as chat:
            alice = chat.user()
            chat_id, contents = await long_chat(chat, alice, db_url, 480)
            events = await chat.send(alice, chat_id, long_message(10_000))
            assert events[-1].event == "run.error"
            assert events[-1].data["code"] == "context_too_long"
        stub.clear()

        settings = make_settings(LLM_CONTEXT_TOKENS=SMALL_CONTEXT, LLM_MAX_TOKENS=REPLY_TOKENS)
        budget = context_budget(settings)
        async with running_chat(settings, signing_key) as chat:
            chat.users["alice"] = alice
            for turn in range(480, 500):  # the chat's turns 481 to 500, each one answered
                content = long_message(turn, chars=1500 + 300 * (turn % 5))
                contents.append(content)
                events = await chat.send(alice, chat_id, content)
                assert events[-1].event == "run.completed", events[-1].data
                assert (
                    events[-1].data["message"]["content"].startswith(f"Stub reply to: turn {turn}:")
                )
            # Every page of the chat, newest first (the detail is paged).
            stored_messages: list[dict[str, Any]] = []
            params: dict[str, Any] = {"limit": 200}
            while True:
                page = (
                    await chat.http.get(
                        f"/api/chats/{chat_id}", params=params, headers=alice.headers
                    )
                ).json()
                stored_messages = page["messages"] + stored_messages
                if page["older_cursor"] is None:
                    break
                params["before"] = page["older_cursor"]
        sent = completions(stub)
    finally:
        stub.reset()

    # The chat keeps every turn; the failed one stays as an error.
    assert len([m for m in stored_messages if m["role"] == "user"]) == 501
    assert len(sent) == 20
    for request in sent:
        assert request["max_tokens"] == REPLY_TOKENS
        turns = user_turns(request)
        current = turns[-1]
        at = contents.index(current)
        # The newest turns, in order, up to this one: dropped from the oldest end only.
        assert turns == contents[at - len(turns) + 1 : at + 1]
        # As many as fit the budget: fewer than HISTORY_RUNS, and one more would not fit.
        assert 2 <= len(turns) < settings.HISTORY_RUNS + 1
        history = [m["content"] for m in request["messages"] if m["role"] != "system"]
        used = sum(budget.message_tokens(text) for text in history)
        assert used <= settings.history_max_tokens
        older = contents[at - len(turns)]
        older_turn = budget.message_tokens(older) + budget.message_tokens("reply")
        assert used + older_turn > settings.history_max_tokens


async def test_a_message_too_long_for_the_model_is_refused_before_any_model_call(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    settings = make_settings(LLM_CONTEXT_TOKENS=SMALL_CONTEXT, LLM_MAX_TOKENS=REPLY_TOKENS)
    async with running_chat(settings, signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice, title="short window"))["id"]
        stub.clear()
        response = await chat.http.post(
            f"/api/chats/{chat_id}/messages",
            json={"content": long_message(1, chars=32_000)},
            headers=alice.headers,
        )
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert detail["code"] == "message_too_long"
        assert "too long for the model" in detail["message"]
        assert f"at most {settings.history_max_tokens}" in detail["message"]
        assert completions(stub) == []
        assert (await chat.get_chat(alice, chat_id))["messages"] == []
        # The chat is not stuck: a message that fits is answered.
        events = await chat.send(alice, chat_id, long_message(2, chars=3000))
        assert events[-1].event == "run.completed"


async def test_the_window_is_cut_in_the_one_session_read(
    make_settings: Any, signing_key: Key, db_url: str
) -> None:
    settings = make_settings(LLM_CONTEXT_TOKENS=SMALL_CONTEXT, LLM_MAX_TOKENS=REPLY_TOKENS)
    async with running_chat(settings, signing_key) as chat:
        alice = chat.user()
        chat_id, contents = await long_chat(chat, alice, db_url, 40)
    engine = create_engine(settings)
    statements: list[str] = []
    event.listen(
        engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )
    try:
        db = create_chat_db(settings, engine, FinalSaves())
        await db.get_session(chat_id, SessionType.AGENT, alice.id)  # warms agno's table lookup
        statements.clear()
        session = await db.get_session(chat_id, SessionType.AGENT, alice.id)
    finally:
        await engine.dispose()
    assert len(statements) == 1
    kept = [run.input.input_content for run in session.runs]
    assert 2 <= len(kept) < settings.HISTORY_RUNS + 1
    assert kept == contents[-len(kept) :]
