"""Budgets hold a turn's worst case before any model call; the ledger settles to the provider's
figures; refusals are 429 BUDGET_EXCEEDED with the limit and when it resets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import User, running_chat
from .usage_support import daily_tokens, holds, ledger, post_turn, set_budget, wait_for

SLOW = "[stub:words=6] [stub:delay=150]"
# Budgets and the worst case only: no titles (a second call per chat), no per-user limits.
QUIET = {"TITLE_GENERATION": False, "USER_REPLIES_IN_FLIGHT": 0, "USER_TURNS_PER_MINUTE": 0}


async def _worst_case(chat: Any, headers: dict[str, str], db_url: str, user_id: str) -> int:
    """What one turn holds, as a refusal under a 1-token budget reports it."""
    set_budget(db_url, "user", user_id, max_tokens=1)
    chat_id = (await chat.http.post("/api/chats", json={}, headers=headers)).json()["id"]
    refused = await post_turn(chat.http, headers, chat_id, "hello")
    assert refused.status_code == 429, refused.text
    needed = int(refused.json()["detail"]["limit"]["needed"])
    # A full history window and the system prompt in, the longest reply (LLM_MAX_TOKENS) out.
    assert needed > 16000 + 1024
    return needed


async def test_twenty_parallel_turns_start_only_as_many_as_the_budget_allows(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(**QUIET), signing_key) as chat:
        alice = chat.user()
        worst = await _worst_case(chat, alice.headers, db_url, alice.id)
        set_budget(db_url, "user", alice.id, max_tokens=5 * worst)
        chats = [
            (await chat.http.post("/api/chats", json={}, headers=alice.headers)).json()["id"]
            for _ in range(20)
        ]
        requests_before = stub.stats()["requests_total"]
        answers = await asyncio.gather(
            *(
                post_turn(chat.http, alice.headers, c, f"turn {i} {SLOW}")
                for i, c in enumerate(chats)
            )
        )
        started = [a for a in answers if a.status_code == 200]
        refused = [a for a in answers if a.status_code == 429]
        assert len(started) == 5 and len(refused) == 15, [a.status_code for a in answers]
        for answer in refused:
            detail = answer.json()["detail"]
            assert detail["code"] == "BUDGET_EXCEEDED"
            assert detail["limit"]["scope"] == "user" and detail["limit"]["unit"] == "tokens"
            # Only the replies in flight stand in the way: worth a retry soon.
            assert answer.headers["Retry-After"] == "5" and detail["retry_after"] == 5
            assert "replies in progress" in detail["message"]
        # The refused turns never reached the model.
        assert stub.stats()["requests_total"] == requests_before + 5
        rows = await wait_for(db_url, alice.id, 5)
        assert [r["kind"] for r in rows] == ["turn"] * 5
        assert not holds(db_url)
        stats = stub.stats()
        assert sum(r["input_tokens"] for r in rows) == stats["prompt_tokens_reported"]
        assert sum(r["output_tokens"] for r in rows) == stats["completion_tokens_reported"]
        assert not any(r["estimated"] for r in rows)
        total = sum(r["input_tokens"] + r["output_tokens"] for r in rows)
        assert daily_tokens(db_url, "user", alice.id) == total
        # Settled to what they used, the five free the budget again.
        again = await post_turn(chat.http, alice.headers, chats[0], "once more")
        assert again.status_code == 200, again.text


async def test_a_spent_budget_refuses_until_its_reset_and_says_so(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(**QUIET), signing_key) as chat:
        bob = chat.user("bob")
        worst = await _worst_case(chat, bob.headers, db_url, bob.id)
        set_budget(db_url, "user", bob.id, max_tokens=worst + 5)
        chat_id = (await chat.http.post("/api/chats", json={}, headers=bob.headers)).json()["id"]
        before = (await chat.http.get("/api/usage", headers=bob.headers)).json()
        assert before["next_reply"] == {
            "model": "stub-model",
            "tokens": worst,
            "cost": 0,
            "fits": True,
        }
        assert before["low"] is False
        first = await post_turn(chat.http, bob.headers, chat_id, "hello")
        assert first.status_code == 200
        await wait_for(db_url, bob.id, 1)
        requests_before = stub.stats()["requests_total"]
        refused = await post_turn(chat.http, bob.headers, chat_id, "and again")
        assert refused.status_code == 429
        detail = refused.json()["detail"]
        assert detail["code"] == "BUDGET_EXCEEDED"
        assert "daily token budget" in detail["message"] and "used up" in detail["message"]
        midnight = datetime.combine(
            datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC
        )
        assert (
            abs(
                int(refused.headers["Retry-After"]) - (midnight - datetime.now(UTC)).total_seconds()
            )
            < 5
        )
        assert datetime.fromisoformat(detail["limit"]["resets_at"]) == midnight
        assert stub.stats()["requests_total"] == requests_before
        # The usage page says so before the next try: a whole reply no longer fits.
        after = (await chat.http.get("/api/usage", headers=bob.headers)).json()
        assert after["next_reply"]["fits"] is False and after["low"] is True
        # Nothing of the refused turn was stored: the chat holds the first exchange only.
        stored = (await chat.http.get(f"/api/chats/{chat_id}", headers=bob.headers)).json()
        assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]


async def test_a_group_budget_is_shared_and_a_users_own_budget_overrides_everyones(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(**QUIET), signing_key) as chat:
        carol = chat.signing_key.token("00000000-0000-4000-8000-00000000000c", groups=["eng"])
        dave = chat.signing_key.token("00000000-0000-4000-8000-00000000000d", groups=["eng"])
        c_headers = {"Authorization": f"Bearer {carol}"}
        d_headers = {"Authorization": f"Bearer {dave}"}
        probe = chat.user("probe")
        worst = await _worst_case(chat, probe.headers, db_url, probe.id)
        # Everyone may hold one worst case a day; dave has his own, larger budget.
        set_budget(db_url, "everyone", "", max_tokens=worst + 100)
        set_budget(db_url, "user", "00000000-0000-4000-8000-00000000000d", max_tokens=10 * worst)
        set_budget(db_url, "group", "eng", max_tokens=2 * worst)
        c_chats = [
            (await chat.http.post("/api/chats", json={}, headers=c_headers)).json()["id"]
            for _ in range(2)
        ]
        d_chats = [
            (await chat.http.post("/api/chats", json={}, headers=d_headers)).json()["id"]
            for _ in range(2)
        ]
        async with chat.stream(_user(carol), c_chats[0], f"slow {SLOW}") as events:
            await anext(events)  # carol's reply holds one worst case
            second = await post_turn(chat.http, c_headers, c_chats[1], "another")
            assert second.status_code == 429  # 'everyone': one worst case per user
            assert second.json()["detail"]["limit"]["scope"] == "everyone"
            first_d = chat.stream(_user(dave), d_chats[0], f"slow {SLOW}")
            async with first_d as d_events:
                await anext(d_events)  # dave's own budget lets him; the group holds two now
                third = await post_turn(chat.http, d_headers, d_chats[1], "a third")
                assert third.status_code == 429
                limit = third.json()["detail"]["limit"]
                assert limit["scope"] == "group" and limit["scope_id"] == "eng"
                assert "the group eng's daily token budget" in third.json()["detail"]["message"]
                async for _ in d_events:
                    pass
            async for _ in events:
                pass
        rows = await wait_for(db_url, "00000000-0000-4000-8000-00000000000d", 1)
        assert rows[0]["groups"] == ["eng"]
        assert daily_tokens(db_url, "group", "eng") > 0


def _user(token: str) -> User:
    return User("", token)


async def test_an_expired_hold_of_a_crashed_replica_stops_counting(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(**QUIET), signing_key) as chat:
        erin = chat.user("erin")
        worst = await _worst_case(chat, erin.headers, db_url, erin.id)
        set_budget(db_url, "user", erin.id, max_tokens=worst + 10)
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO ai.parley_usage_holds (id, user_id, model, provider, kind, source, "
                "tokens, cost, input_price, output_price, expires_at) VALUES ('lost', %s, "
                "'stub-model', 'default', 'turn', 'web', %s, 0, 0, 0, now() + interval '1 hour')",
                (erin.id, worst),
            )
        chat_id = (await chat.http.post("/api/chats", json={}, headers=erin.headers)).json()["id"]
        assert (await post_turn(chat.http, erin.headers, chat_id, "hi")).status_code == 429
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("UPDATE ai.parley_usage_holds SET expires_at = now() - interval '1 s'")
        assert (await post_turn(chat.http, erin.headers, chat_id, "hi")).status_code == 200
        assert len(await wait_for(db_url, erin.id, 1)) == 1
        assert ledger(db_url, erin.id)[0]["kind"] == "turn"


async def test_a_cost_budget_prices_the_worst_case_and_the_ledger_with_the_catalogs_prices(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(**QUIET), signing_key) as chat:
        admin = {"Authorization": f"Bearer {signing_key.token(None, role='admin')}"}
        provider = {"id": "priced", "kind": "vllm", "base_url": stub.base_url}
        model = {
            "id": "priced-model",
            "provider": "priced",
            "context_tokens": 8192,
            "max_output_tokens": 512,
            "input_price_per_million": 3,
            "output_price_per_million": 15,
        }
        for kind, body in (("providers", provider), ("models", model)):
            created = await chat.http.post(f"/api/admin/{kind}", json=body, headers=admin)
            assert created.status_code == 201, created.text
        frank = chat.user("frank")
        set_budget(db_url, "user", frank.id, "month", max_cost=Decimal("0.000001"))
        chat_id = (
            await chat.http.post(
                "/api/chats", json={"model": "priced-model"}, headers=frank.headers
            )
        ).json()["id"]
        refused = await post_turn(chat.http, frank.headers, chat_id, "hello")
        limit = refused.json()["detail"]["limit"]
        assert refused.status_code == 429 and limit["unit"] == "cost" and limit["period"] == "month"
        needed = Decimal(str(limit["needed"]))
        assert "monthly cost budget" in refused.json()["detail"]["message"]
        # Room for exactly one worst case: the first turn runs, what it cost leaves too little.
        set_budget(db_url, "user", frank.id, "month", max_cost=needed + Decimal("0.000001"))
        assert (await post_turn(chat.http, frank.headers, chat_id, "hello")).status_code == 200
        (row,) = await wait_for(db_url, frank.id, 1)
        expected = (row["input_tokens"] * 3 + row["output_tokens"] * 15) / Decimal(1_000_000)
        assert row["cost"] == expected > 0
        again = await post_turn(chat.http, frank.headers, chat_id, "again")
        assert again.status_code == 429 and again.json()["detail"]["limit"]["unit"] == "cost"
