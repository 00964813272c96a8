"""The per-chat run lease in PostgreSQL: renewed while a reply runs, taken over once expired."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import running_chat


async def test_lease_is_renewed_past_its_ttl(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    async with running_chat(make_settings(RUN_LEASE_SECONDS=3), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        # ~4.5 s of reply: longer than the 3 s lease, so it must be renewed to stay exclusive.
        async with chat.stream(alice, chat_id, "long [stub:words=90] [stub:delay=50]") as ev:
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
        with psycopg.connect(db_url, autocommit=True) as conn:
            # A replica that died mid-reply left a lease behind.
            conn.execute(
                "INSERT INTO ai.parley_run_leases (session_id, run_id, user_id, owner, expires_at)"
                " VALUES (%s, 'dead-run', %s, 'dead-replica', now() + interval '1 hour')",
                (chat_id, alice.id),
            )
            busy = await chat.http.post(
                f"/api/chats/{chat_id}/messages", json={"content": "x"}, headers=alice.headers
            )
            assert busy.status_code == 409
            conn.execute(
                "UPDATE ai.parley_run_leases SET expires_at = now() - interval '1 second' "
                "WHERE session_id = %s",
                (chat_id,),
            )
            events = await chat.send(alice, chat_id, "after the crash")
            assert events[-1].event == "run.completed"
            left = conn.execute(
                "SELECT count(*) FROM ai.parley_run_leases WHERE session_id = %s", (chat_id,)
            ).fetchone()
        assert left == (0,)
