"""Runs outlive their HTTP connection; they fail cleanly, cancel, reattach and never overlap."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import psycopg
import pytest
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import Chat, Event, User, parse_sse, read_events, running_chat

SECRET = "sk-stub-SECRET"


def _text(events: list[Event]) -> str:
    return "".join(e.data["text"] for e in events if e.event == "message.delta")


async def _wait_stored(chat: Chat, user: User, chat_id: str, count: int) -> list[dict[str, Any]]:
    """Messages of the chat once ``count`` assistant messages are stored."""
    for _ in range(200):
        messages: list[dict[str, Any]] = (await chat.get_chat(user, chat_id))["messages"]
        if sum(m["role"] == "assistant" for m in messages) >= count:
            return messages
        await asyncio.sleep(0.05)
    raise AssertionError("the reply was never stored")


@pytest.mark.parametrize(
    ("marker", "code"),
    [
        ("[stub:error500]", "llm_error"),
        ("[stub:status=503]", "llm_unavailable"),
        ("[stub:status=429]", "provider_rate_limited"),
        ("[stub:status=401]", "provider_auth_failed"),
        ("[stub:status=403]", "provider_auth_failed"),
        ("[stub:status=404]", "model_not_found"),
        ("[stub:cut]", "llm_error"),
        ("[stub:malformed]", "llm_error"),
        ("[stub:hang]", "llm_timeout"),
        ("[stub:stall]", "llm_timeout"),
    ],
)
async def test_llm_failures_end_with_a_clean_error(
    make_settings: Any,
    signing_key: Key,
    stub: LlmStub,
    marker: str,
    code: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with running_chat(make_settings(LLM_TIMEOUT_SECONDS=1.0), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        events = await chat.send(alice, chat_id, f"please fail {marker}")
        assert events[0].event == "run.started"
        assert events[-1].event == "run.error"
        error = events[-1].data
        assert error["code"] == code
        assert error["run_id"] == events[0].data["run_id"]
        assert error["message"] and SECRET not in error["message"]
        partial = _text(events)

        stored = await chat.get_chat(alice, chat_id)
        assert SECRET not in json.dumps(stored)
        user_msg, reply = stored["messages"]
        assert user_msg["content"] == f"please fail {marker}"
        assert (reply["role"], reply["status"], reply["content"]) == ("assistant", "error", partial)

        # Reattaching to the failed run gives the same outcome, from storage.
        again = await chat.http.get(
            f"/api/chats/{chat_id}/runs/{error['run_id']}/events", headers=alice.headers
        )
        replay = parse_sse(again.text)
        assert replay[-1].event == "run.error" and replay[-1].data["code"] == code
        assert SECRET not in again.text

        # The next message works, and the failed turn is not sent as history.
        stub.clear()
        ok = await chat.send(alice, chat_id, "second try")
        assert ok[-1].event == "run.completed"
        sent = stub.last_request()["messages"]
        assert [m["content"] for m in sent if m["role"] == "user"] == ["second try"]

        metrics = (await chat.http.get("/metrics")).text
        assert f'parley_chat_runs_failed_total{{code="{code}"}} 1.0' in metrics
        assert "parley_chat_runs_completed_total 1.0" in metrics
    # Our logs name the failure by its code and never carry the provider's text.
    logged = capsys.readouterr()
    assert SECRET not in logged.out + logged.err
    assert '"outcome": "run.error"' in logged.out


async def test_unreachable_llm_is_llm_unavailable(make_settings: Any, signing_key: Key) -> None:
    settings = make_settings(LLM_BASE_URL="http://127.0.0.1:9/v1")
    async with running_chat(settings, signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        events = await chat.send(alice, chat_id, "anyone there?")
        assert events[-1].event == "run.error"
        assert events[-1].data["code"] == "llm_unavailable"
        stored = await chat.get_chat(alice, chat_id)
        assert [m["status"] for m in stored["messages"]] == ["completed", "error"]
        assert stored["messages"][1]["content"] == ""


async def test_disconnect_does_not_stop_the_reply(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    async with chat.stream(alice, chat_id, "tell me a story [stub:words=40] [stub:delay=20]") as ev:
        started = await anext(ev)
        await anext(ev)
        # Leaving the block closes the connection mid-reply.
    run_id = started.data["run_id"]
    messages = await _wait_stored(chat, alice, chat_id, 1)
    reply = messages[1]
    assert reply["status"] == "completed"
    assert len(reply["content"].split()) == 40
    assert reply["id"] == f"{run_id}:assistant"


async def test_reattach_with_last_event_id(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    # No retention of finished buffers: after the end, reattaching reads the stored run.
    async with running_chat(make_settings(RUN_BUFFER_RETENTION_SECONDS=0), signing_key) as chat:
        await _reattach(chat)


async def _reattach(chat: Chat) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    async with chat.stream(alice, chat_id, "count [stub:words=30] [stub:delay=20]") as ev:
        seen = [await anext(ev), await anext(ev), await anext(ev)]
    run_id = seen[0].data["run_id"]
    last_id = seen[-1].id
    assert last_id is not None
    async with chat.http.stream(
        "GET",
        f"/api/chats/{chat_id}/runs/{run_id}/events",
        headers={**alice.headers, "Last-Event-ID": last_id},
    ) as response:
        assert response.status_code == 200
        rest = [e async for e in read_events(response)]
    assert rest[0].event == "message.delta"
    assert rest[-1].event == "run.completed"
    full = _text(seen) + _text(rest)
    assert full == rest[-1].data["message"]["content"]
    assert len(full.split()) == 30

    # Once finished, the events endpoint serves the stored result with the same ids.
    stored = await chat.http.get(
        f"/api/chats/{chat_id}/runs/{run_id}/events",
        headers={**alice.headers, "Last-Event-ID": last_id},
    )
    replay = parse_sse(stored.text)
    assert _text(seen) + _text(replay) == full
    assert replay[-1].id == rest[-1].id
    everything = parse_sse(
        (
            await chat.http.get(f"/api/chats/{chat_id}/runs/{run_id}/events", headers=alice.headers)
        ).text
    )
    assert [e.event for e in everything] == ["run.started", "message.delta", "run.completed"]
    assert _text(everything) == full
    bad = await chat.http.get(
        f"/api/chats/{chat_id}/runs/{run_id}/events",
        headers={**alice.headers, "Last-Event-ID": "abc"},
    )
    assert bad.status_code == 422


async def test_cancel_stops_the_reply_and_keeps_the_partial_text(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    async with chat.stream(alice, chat_id, "long one [stub:words=200] [stub:delay=20]") as ev:
        events = [await anext(ev), await anext(ev)]
        run_id = events[0].data["run_id"]
        cancel = await chat.http.post(
            f"/api/chats/{chat_id}/runs/{run_id}/cancel", headers=alice.headers
        )
        assert cancel.status_code == 202
        events += [e async for e in ev]
    assert events[-1].event == "run.cancelled"
    assert events[-1].data == {"run_id": run_id}
    partial = _text(events)
    assert 0 < len(partial.split()) < 200

    stored = await chat.get_chat(alice, chat_id)
    reply = stored["messages"][1]
    assert (reply["status"], reply["content"]) == ("cancelled", partial)
    cancel_url = f"/api/chats/{chat_id}/runs/{run_id}/cancel"
    again = await chat.http.post(cancel_url, headers=alice.headers)
    assert again.status_code == 409
    ok = await chat.send(alice, chat_id, "next")
    assert ok[-1].event == "run.completed"


async def test_cancel_while_the_model_has_not_answered_yet(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    async with running_chat(make_settings(LLM_TIMEOUT_SECONDS=30.0), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        async with chat.stream(alice, chat_id, "wait [stub:hang]") as ev:
            started = await anext(ev)
            run_id = started.data["run_id"]
            await asyncio.sleep(0.3)
            cancel = await chat.http.post(
                f"/api/chats/{chat_id}/runs/{run_id}/cancel", headers=alice.headers
            )
            assert cancel.status_code == 202
            rest = await asyncio.wait_for(_collect(ev), timeout=30)
        assert rest[-1].event == "run.cancelled"
        messages = await _wait_stored(chat, alice, chat_id, 1)
        assert [m["status"] for m in messages] == ["completed", "cancelled"]
        assert messages[1]["content"] == ""
        ok = await chat.send(alice, chat_id, "next")
        assert ok[-1].event == "run.completed"


async def _collect(events: Any) -> list[Event]:
    return [e async for e in events]


async def test_a_second_message_while_replying_is_409(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    other_id = (await chat.create_chat(alice))["id"]
    async with chat.stream(alice, chat_id, "slow [stub:words=100] [stub:delay=30]") as ev:
        started = await anext(ev)
        busy = await chat.http.post(
            f"/api/chats/{chat_id}/messages", json={"content": "me too"}, headers=alice.headers
        )
        assert busy.status_code == 409
        assert busy.json()["detail"]
        # The chat says a reply is in flight, so a reloaded client can reattach to it.
        in_flight = await chat.get_chat(alice, chat_id)
        assert in_flight["active_run_id"] == started.data["run_id"]
        # The user's message is stored as soon as the turn starts; the reply when it ends.
        assert [(m["role"], m["content"]) for m in in_flight["messages"]] == [
            ("user", "slow [stub:words=100] [stub:delay=30]")
        ]
        # Other chats are not blocked.
        other = await chat.send(alice, other_id, "meanwhile")
        assert other[-1].event == "run.completed"
        rest = [e async for e in ev]
    assert rest[-1].event == "run.completed"
    stored = await chat.get_chat(alice, chat_id)
    assert stored["active_run_id"] is None
    assert [m["content"] for m in stored["messages"] if m["role"] == "user"] == [
        "slow [stub:words=100] [stub:delay=30]"
    ]
    # Right after the end, the chat takes messages again.
    assert (await chat.send(alice, chat_id, "now"))[-1].event == "run.completed"


async def test_two_replicas_share_one_run_per_chat_and_cancel(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    settings = make_settings()
    async with (
        running_chat(settings, signing_key) as one,
        running_chat(settings, signing_key) as two,
    ):
        alice = one.user()
        two.users["alice"] = alice
        chat_id = (await one.create_chat(alice))["id"]
        async with one.stream(alice, chat_id, "replica [stub:words=300] [stub:delay=20]") as ev:
            started = await anext(ev)
            await anext(ev)
            run_id = started.data["run_id"]
            busy = await two.http.post(
                f"/api/chats/{chat_id}/messages", json={"content": "x"}, headers=alice.headers
            )
            assert busy.status_code == 409

            # Reattaching through the other replica waits for the stored result.
            follow = asyncio.create_task(
                two.http.get(f"/api/chats/{chat_id}/runs/{run_id}/events", headers=alice.headers)
            )
            # The cancel reaches the replica that runs the reply.
            cancel = await two.http.post(
                f"/api/chats/{chat_id}/runs/{run_id}/cancel", headers=alice.headers
            )
            assert cancel.status_code == 202
            rest = await asyncio.wait_for(_collect(ev), timeout=10)
        assert rest[-1].event == "run.cancelled"
        followed = parse_sse((await asyncio.wait_for(follow, timeout=10)).text)
        assert followed[-1].event == "run.cancelled"
        assert (await two.send(alice, chat_id, "after"))[-1].event == "run.completed"


async def test_concurrent_posts_race_for_one_lease(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]

    async def post() -> int:
        response = await chat.http.post(
            f"/api/chats/{chat_id}/messages",
            # The reply lasts about a second, so all six requests arrive while it runs.
            json={"content": "race [stub:words=50] [stub:delay=20]"},
            headers=alice.headers,
        )
        code: int = response.status_code
        return code

    codes = await asyncio.gather(*(post() for _ in range(6)))
    assert sorted(codes).count(200) == 1
    assert sorted(codes).count(409) == 5


async def test_deleting_a_chat_mid_reply_stops_it(chat: Chat, stub: LlmStub) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    async with chat.stream(alice, chat_id, "doomed [stub:words=300] [stub:delay=20]") as ev:
        await anext(ev)
        await anext(ev)
        deleted = await chat.http.delete(f"/api/chats/{chat_id}", headers=alice.headers)
        assert deleted.status_code == 204
        rest = await asyncio.wait_for(_collect(ev), timeout=10)
    assert rest[-1].event == "run.cancelled"
    assert (await chat.http.get(f"/api/chats/{chat_id}", headers=alice.headers)).status_code == 404
    assert (await chat.http.get("/api/chats", headers=alice.headers)).json()["items"] == []


async def test_a_reply_the_database_did_not_keep_is_not_reported_completed(
    chat: Chat, stub: LlmStub, db_url: str
) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    with psycopg.connect(db_url, autocommit=True) as conn:
        # The final save of a reply fails (as with a full disk); agno only logs such errors.
        conn.execute(
            "CREATE FUNCTION refuse_completed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.status = 'COMPLETED' THEN RAISE EXCEPTION 'disk full'; END IF; "
            "RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER refuse_completed BEFORE UPDATE ON ai.agno_runs "
            "FOR EACH ROW EXECUTE FUNCTION refuse_completed()"
        )
        events = await chat.send(alice, chat_id, "will this be kept?")
        assert events[-1].event == "run.error"
        assert events[-1].data["code"] == "storage_unavailable"
        stored = await chat.get_chat(alice, chat_id)
        assert [(m["role"], m["status"]) for m in stored["messages"]] == [
            ("user", "completed"),
            ("assistant", "error"),
        ]
        conn.execute("DROP TRIGGER refuse_completed ON ai.agno_runs")
    assert (await chat.send(alice, chat_id, "and now?"))[-1].event == "run.completed"
