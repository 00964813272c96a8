"""Every way a reply can end reaches a client that follows it, whatever Last-Event-ID it sends."""

from __future__ import annotations

import asyncio
from typing import Any

from parley_chat.runs.events import SseEvent
from parley_chat.runs.live import LiveRun
from parley_testing import LlmStub
from parley_testing import TestKey as Key

from .conftest import Chat, Event, User, leave_dead_run, parse_sse, running_chat

# A browser's EventSource resends the last id it saw; a client may also claim more than exists.
BEYOND = "100000"


async def _events(chat: Chat, user: User, chat_id: str, run_id: str, last_id: str) -> list[Event]:
    response = await chat.http.get(
        f"/api/chats/{chat_id}/runs/{run_id}/events",
        headers={**user.headers, "Last-Event-ID": last_id},
    )
    assert response.status_code == 200
    events: list[Event] = parse_sse(response.text)
    return events


async def test_a_lost_reply_ends_with_run_lost_for_a_client_that_saw_part_of_it(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    async with running_chat(make_settings(), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        dead_run = leave_dead_run(db_url, chat_id, alice.id, lease_seconds=-1)
        # The client saw 57 characters of text before its replica died; every retry (an
        # EventSource retries by itself) ends with the error, none with an empty 200.
        for last_id in ("57", "57", "0", BEYOND):
            async with asyncio.timeout(15):
                events = await _events(chat, alice, chat_id, dead_run, last_id)
            assert [e.event for e in events] == ["run.error"]
            assert events[0].data["code"] == "run_lost"
            assert int(events[0].id) > int(last_id)
        assert [e.event for e in await _events(chat, alice, chat_id, dead_run, "-1")] == [
            "run.started",
            "run.error",
        ]


async def test_a_finished_reply_ends_with_its_closing_event_whatever_the_client_claims(
    make_settings: Any, signing_key: Key, stub: LlmStub
) -> None:
    async with running_chat(make_settings(RUN_BUFFER_RETENTION_SECONDS=0), signing_key) as chat:
        alice = chat.user()
        chat_id = (await chat.create_chat(alice))["id"]
        done = await chat.send(alice, chat_id, "hello [stub:words=5]")
        failed = await chat.send(alice, chat_id, "boom [stub:error500]")
        assert (done[-1].event, failed[-1].event) == ("run.completed", "run.error")
        for sent, end in ((done, "run.completed"), (failed, "run.error")):
            run_id = sent[0].data["run_id"]
            for last_id in (sent[-1].id, BEYOND):
                assert last_id is not None
                events = await _events(chat, alice, chat_id, run_id, last_id)
                assert [e.event for e in events] == [end]
                assert int(events[0].id) >= int(sent[-1].id or 0)


async def test_a_live_reply_ends_for_a_follower_whose_last_id_is_past_its_text() -> None:
    run = LiveRun(run_id="r", chat_id="c", user_id="u", content="hi")
    run.publish(SseEvent(0, "run.started", {"run_id": "r"}))
    follower = run.follow(after=500, keepalive=5.0)
    run.add_text("short")
    run.finish("run.completed", {"run_id": "r"})
    batches = [b async for b in follower]
    assert len(batches) == 1 and batches[0] is not None
    [end] = batches[0]
    assert end.event == "run.completed" and end.id == 501
