"""The per-chat run lease in PostgreSQL: renewed while a reply runs, taken over once expired."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import psycopg
from asgi_lifespan import LifespanManager
from parley_chat.app import create_app
from parley_chat.runs import choose_models
from parley_chat.tokens import Principal
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import leave_dead_run, parse_sse, running_chat


async def test_lease_is_renewed_past_its_ttl(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    async with running_chat(make_settings(RUN_LEASE_SECONDS=3), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        # ~7.5 s of reply: longer than the 3 s lease, so it must be renewed to stay exclusive.
        async with chat.stream(alice, chat_id, "long [stub:words=150] [stub:delay=50]") as ev:
            await anext(ev)
            await asyncio.sleep(3.8)
            busy = await chat.http.post(
                f"/api/chats/{chat_id}/messages", json={"content": "x"}, headers=alice.headers
            )
            assert busy.status_code == 409
            rest = [e async for e in ev]
        assert rest[-1].event == "run.completed"


async def test_expired_lease_of_a_dead_replica_is_taken_over(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        # What a replica that died mid-reply leaves behind: its lease and the RUNNING turn.
        dead_run = leave_dead_run(db_url, chat_id, alice.id, lease_seconds=3600)
        with psycopg.connect(db_url, autocommit=True) as conn:
            busy = await chat.http.post(
                f"/api/chats/{chat_id}/messages", json={"content": "x"}, headers=alice.headers
            )
            assert busy.status_code == 409
            during = await chat.get_chat(alice, chat_id)
            assert during["active_run_id"] == dead_run
            assert [m["role"] for m in during["messages"]] == ["user"]
            conn.execute(
                "UPDATE ai.parley_run_leases SET expires_at = now() - interval '1 second' "
                "WHERE session_id = %s",
                (chat_id,),
            )
            # Reattaching to the lost run ends with a clear error instead of waiting forever.
            lost = await chat.http.get(
                f"/api/chats/{chat_id}/runs/{dead_run}/events", headers=alice.headers
            )
            assert parse_sse(lost.text)[-1].data["code"] == "run_lost"
            events = await chat.send(alice, chat_id, "after the crash")
            assert events[-1].event == "run.completed"
            after = await chat.get_chat(alice, chat_id)
            assert after["active_run_id"] is None
            assert [(m["role"], m["status"], m["content"]) for m in after["messages"][:2]] == [
                ("user", "completed", "lost reply?"),
                ("assistant", "error", ""),
            ]
            assert after["messages"][2]["content"] == "after the crash"
            left = conn.execute(
                "SELECT count(*) FROM ai.parley_run_leases WHERE session_id = %s", (chat_id,)
            ).fetchone()
        assert left == (0,)


async def test_busy_replica_with_fast_heartbeats_never_cancels_finished_replies(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    # A 3 s lease means a heartbeat every second, racing with replies that end (and release
    # their lease) at the same moment; none of them may be mistaken for a lost lease.
    async with running_chat(make_settings(RUN_LEASE_SECONDS=3), signing_key) as chat:
        users = [chat.user(f"user{i}") for i in range(12)]
        chats = [(await chat.create_chat(u))["id"] for u in users]

        async def talk(index: int) -> list[str]:
            ends = []
            for turn in range(4):
                events = await chat.send(
                    users[index], chats[index], f"turn {turn} [stub:words=20] [stub:delay=15]"
                )
                ends.append(events[-1].event)
            return ends

        outcomes = await asyncio.gather(*(talk(i) for i in range(len(users))))
    assert {end for ends in outcomes for end in ends} == {"run.completed"}


async def test_a_reply_whose_end_is_saved_is_not_taken_for_a_lost_lease(
    make_settings: Any, stub: LlmStub
) -> None:
    # agno's final save drops the lease (trigger) a moment before the run manager sees the
    # end; a heartbeat in that moment must not cancel the reply. Driven step by step here.
    app = create_app(make_settings())
    async with LifespanManager(app):
        runtime = app.state.runtime
        user_id = str(uuid.uuid4())
        chat = await runtime.queries.insert_chat(str(uuid.uuid4()), user_id, "t", "parley", None)
        content = "x [stub:words=50] [stub:delay=40]"
        models = choose_models(runtime.catalog.current, None, (), content, runtime.budgets)
        caller = Principal(user_id, {})
        state = await runtime.runs.start_run(chat.id, caller, content, models)
        events = state.follow(-1, 5.0)
        await anext(events)
        await anext(events)  # streaming now
        await runtime.runs.leases.queries.release(state.run_id)  # as agno's final save would
        runtime.runs.final_saves.record(state.run_id, "COMPLETED")
        await runtime.runs.leases.beat()
        await runtime.runs.leases.beat()
        assert not state.cancel_requested
        # Without that save, a lease missing twice in a row means the chat is gone: stop.
        runtime.runs.final_saves.discard(state.run_id)
        await runtime.runs.leases.beat()
        assert not state.cancel_requested
        await runtime.runs.leases.beat()
        assert state.cancel_requested
        ends = [batch async for batch in events]
        assert ends[-1] is not None and ends[-1][-1].event == "run.cancelled"
