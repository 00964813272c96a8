"""Per-user limits (replies in flight, turns per minute) and the ledger's other calls: titles and
the OpenAI-compatible API, metered and refused like turns."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import running_chat
from .usage_support import holds, post_turn, set_budget, wait_for

SLOW = "[stub:words=6] [stub:delay=150]"


async def test_replies_in_flight_are_limited_per_user_not_across_users(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    settings = make_settings(USER_REPLIES_IN_FLIGHT=2, TITLE_GENERATION=False)
    async with running_chat(settings, signing_key) as chat:
        alice, bob = chat.user("alice"), chat.user("bob")
        chats = [
            (await chat.http.post("/api/chats", json={}, headers=alice.headers)).json()["id"]
            for _ in range(3)
        ]
        async with (
            chat.stream(alice, chats[0], SLOW) as first,
            chat.stream(alice, chats[1], SLOW) as second,
        ):
            await anext(first)
            await anext(second)
            third = await post_turn(chat.http, alice.headers, chats[2], "one more")
            assert third.status_code == 429
            detail = third.json()["detail"]
            assert detail["code"] == "RATE_LIMITED"
            assert detail["limit"] == {"name": "replies_in_flight", "max": 2}
            assert "2 replies in progress" in detail["message"]
            assert third.headers["Retry-After"].isdigit()
            # Another user is not held back by alice's replies.
            bob_chat = (await chat.http.post("/api/chats", json={}, headers=bob.headers)).json()
            assert (
                await post_turn(chat.http, bob.headers, bob_chat["id"], "hi")
            ).status_code == 200
            async for _ in first:
                pass
            async for _ in second:
                pass
        # Finished replies free their places.
        assert (await post_turn(chat.http, alice.headers, chats[2], "now")).status_code == 200


async def test_turns_per_minute_are_limited_with_the_seconds_to_wait(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    settings = make_settings(USER_TURNS_PER_MINUTE=3, TITLE_GENERATION=False)
    async with running_chat(settings, signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.http.post("/api/chats", json={}, headers=alice.headers)).json()["id"]
        for i in range(3):
            assert (await post_turn(chat.http, alice.headers, chat_id, f"{i}")).status_code == 200
        requests = stub.stats()["requests_total"]
        fourth = await post_turn(chat.http, alice.headers, chat_id, "too fast")
        assert fourth.status_code == 429
        detail = fourth.json()["detail"]
        assert detail["code"] == "RATE_LIMITED"
        assert detail["limit"] == {"name": "turns_per_minute", "max": 3}
        retry = int(fourth.headers["Retry-After"])
        assert 50 <= retry <= 60 and detail["retry_after"] == retry
        assert stub.stats()["requests_total"] == requests


async def test_a_chats_title_is_charged_to_its_user_with_the_providers_usage(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.http.post("/api/chats", json={}, headers=alice.headers)).json()["id"]
        assert (await post_turn(chat.http, alice.headers, chat_id, "name me")).status_code == 200
        rows = await wait_for(db_url, alice.id, 2)
        assert sorted(r["kind"] for r in rows) == ["title", "turn"]
        stats = stub.stats()
        assert sum(r["input_tokens"] for r in rows) == stats["prompt_tokens_reported"]
        assert sum(r["output_tokens"] for r in rows) == stats["completion_tokens_reported"]
        turn = next(r for r in rows if r["kind"] == "turn")
        title = next(r for r in rows if r["kind"] == "title")
        assert title["run_id"] == turn["run_id"] and turn["source"] == title["source"] == "web"
        assert turn["model"] == "stub-model" and turn["provider"] == "default"
        # The user's usage page reads the same figures.
        mine = (await chat.http.get("/api/usage", headers=alice.headers)).json()
        tokens = sum(r["input_tokens"] + r["output_tokens"] for r in rows)
        assert mine["today"]["calls"] == 2 and mine["today"]["tokens"] == tokens
        assert [m["model"] for m in mine["by_model"]] == ["stub-model"]


async def _api_key(chat: Any, headers: dict[str, str]) -> str:
    created = await chat.http.post("/api/keys", json={"name": "script"}, headers=headers)
    assert created.status_code == 201, created.text
    key: str = created.json()["key"]
    return key


async def test_api_calls_are_metered_with_their_key_and_refused_over_budget(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(), signing_key) as chat:
        alice = chat.user()
        key = await _api_key(chat, alice.headers)
        client = openai.AsyncOpenAI(base_url=f"{chat.url}/api/v1", api_key=key, max_retries=2)
        answer = await client.chat.completions.create(
            model="stub-model", messages=[{"role": "user", "content": "hello"}]
        )
        assert answer.usage is not None
        stream = await client.chat.completions.create(
            model="stub-model", messages=[{"role": "user", "content": "again"}], stream=True
        )
        async for _ in stream:
            pass
        rows = await wait_for(db_url, alice.id, 2)
        assert [r["kind"] for r in rows] == ["api", "api"]
        assert all(r["source"] == "api" and r["api_key_id"] is not None for r in rows)
        assert rows[0]["input_tokens"] == answer.usage.prompt_tokens
        assert rows[0]["output_tokens"] == answer.usage.completion_tokens
        stats = stub.stats()
        assert sum(r["input_tokens"] for r in rows) == stats["prompt_tokens_reported"]
        assert not holds(db_url)

        set_budget(db_url, "user", alice.id, max_tokens=10)
        with pytest.raises(openai.RateLimitError) as refused:
            await client.chat.completions.create(
                model="stub-model", messages=[{"role": "user", "content": "over"}]
            )
        error = refused.value.body
        assert isinstance(error, dict) and error["code"] == "BUDGET_EXCEEDED"
        assert error["type"] == "insufficient_quota"
        assert refused.value.response.headers["x-should-retry"] == "false"
        # Refused before the provider, and not retried by the SDK: no call was made.
        assert stub.stats()["requests_total"] == stats["requests_total"]


async def test_an_api_stream_left_midway_is_still_settled(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(), signing_key) as chat:
        alice = chat.user()
        key = await _api_key(chat, alice.headers)
        client = openai.AsyncOpenAI(base_url=f"{chat.url}/api/v1", api_key=key, max_retries=0)
        stream = await client.chat.completions.create(
            model="stub-model",
            messages=[{"role": "user", "content": "long [stub:words=200] [stub:delay=20]"}],
            stream=True,
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                break
        await stream.close()
        rows = await wait_for(db_url, alice.id, 1)
        assert rows[0]["estimated"] and rows[0]["output_tokens"] < 200
        for _ in range(100):
            if not holds(db_url):
                break
            await asyncio.sleep(0.05)
        assert not holds(db_url)


async def test_a_kept_chat_turn_over_budget_is_refused_and_leaves_no_chat(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(), signing_key) as chat:
        alice = chat.user()
        key = await _api_key(chat, alice.headers)
        client = openai.AsyncOpenAI(base_url=f"{chat.url}/api/v1", api_key=key, max_retries=0)
        set_budget(db_url, "user", alice.id, max_tokens=10)
        with pytest.raises(openai.RateLimitError) as refused:
            await client.chat.completions.create(
                model="stub-model",
                messages=[{"role": "user", "content": "keep this"}],
                extra_headers={"X-Parley-Chat": "new"},
            )
        assert isinstance(refused.value.body, dict)
        assert refused.value.body["code"] == "BUDGET_EXCEEDED"
        listed = await chat.http.get("/api/chats", headers=alice.headers)
        assert listed.json()["items"] == []


async def test_posts_racing_for_one_chat_are_busy_not_over_the_limit(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    settings = make_settings(USER_REPLIES_IN_FLIGHT=1, TITLE_GENERATION=False)
    async with running_chat(settings, signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.http.post("/api/chats", json={}, headers=alice.headers)).json()["id"]
        answers = await asyncio.gather(
            *(post_turn(chat.http, alice.headers, chat_id, f"{i} {SLOW}") for i in range(5))
        )
        assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
        assert not holds(db_url)
