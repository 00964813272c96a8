"""Faults while the stack is in use: the LLM failing, a replica killed, the database down,
the auth service gone. Each case bounded in time; everything on 127.0.0.1."""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest
from parley_bench.loadgen import VirtualUser
from parley_bench.stack import Stack, wait_routed
from parley_resilience import (
    Turn,
    get_chat,
    make_users,
    new_chat,
    send,
    start_postgres,
    stop_postgres,
)

SECRET = "sk-stub-SECRET"


@pytest.mark.parametrize("marker", ["[stub:error500]", "[stub:cut]", "[stub:hang]"])
async def test_llm_failure_gives_run_error_and_the_next_turn_works(
    gateway: httpx.AsyncClient, marker: str
) -> None:
    (user,) = await make_users(gateway, 1)
    chat_id = await new_chat(gateway, user)

    failed = await send(gateway, user, chat_id, f"please fail {marker}")
    assert failed.status == 200 and failed.failure is None
    assert failed.names[0] == "run.started" and failed.names[-1] == "run.error"
    assert failed.error_code()
    assert SECRET not in str(failed.events)

    ok = await send(gateway, user, chat_id, "and now answer")
    assert ok.completed, ok.events[-1:]
    messages = (await get_chat(gateway, user, chat_id))["messages"]
    assert [(m["role"], m["status"]) for m in messages] == [
        ("user", "completed"),
        ("assistant", "error"),
        ("user", "completed"),
        ("assistant", "completed"),
    ]
    assert messages[0]["content"] == f"please fail {marker}"
    assert SECRET not in str(messages)


async def test_auth_stopped_chat_keeps_verifying_tokens(
    stack: Stack, gateway: httpx.AsyncClient
) -> None:
    (user,) = await make_users(gateway, 1)
    stack.group.kill("auth", signal.SIGTERM)
    try:
        down = await gateway.post(
            "/auth/login", data={"username": "x@example.com", "password": "y"}
        )
        assert down.status_code >= 500  # the gateway has nowhere to send it
        chat_id = await new_chat(gateway, user)
        turn = await send(gateway, user, chat_id, "auth is down, chat is not")
        assert turn.completed
        forged = VirtualUser(user.user_id, user.token[:-4] + "AAAA")
        assert (await gateway.get("/api/chats", headers=forged.headers)).status_code == 401
    finally:
        await asyncio.to_thread(stack.group.restart, "auth")
    # Back in the gateway's pool once its health check passes again.
    await asyncio.to_thread(wait_routed, stack.gateway_url, ("/auth/healthz",))


async def test_replica_killed_mid_stream(stack: Stack, gateway: httpx.AsyncClient) -> None:
    victim = stack.chat_names[0]
    users = await make_users(gateway, 6)
    doomed_user, others = users[0], users[1:]
    async with httpx.AsyncClient(base_url=stack.chat_urls[0], timeout=30.0) as direct:
        chat_id = await new_chat(direct, doomed_user)
        other_chats = [await new_chat(gateway, u) for u in others]

        async def kill() -> None:
            await asyncio.to_thread(stack.group.kill, victim, signal.SIGKILL)

        async def survivor_turns(http: httpx.AsyncClient) -> list[bool]:
            # Streams on the other replica while the victim dies.
            turns = await asyncio.gather(
                *(
                    send(http, u, c, "carry on [stub:delay=20] [stub:words=30]")
                    for u, c in zip(others, other_chats, strict=True)
                )
            )
            return [t.completed for t in turns]

        async with httpx.AsyncClient(base_url=stack.chat_urls[1], timeout=30.0) as other:
            doomed, during = await asyncio.gather(
                send(
                    direct,
                    doomed_user,
                    chat_id,
                    "a long reply [stub:delay=100] [stub:words=100]",
                    stop_after_deltas=3,
                    on_delta=kill,
                ),
                survivor_turns(other),
            )
        # New requests through the gateway go to the survivor (retry on a refused connection).
        after: list[Turn] = []
        for _round in range(3):
            after += await asyncio.gather(
                *(
                    send(gateway, u, c, "still here")
                    for u, c in zip(others, other_chats, strict=True)
                )
            )
    try:
        # The client sees a clear failure, not a completed reply and not a hang.
        assert not doomed.completed
        assert doomed.failure is not None
        # Reattaching with the last id it saw (as an EventSource does) ends with run.error once
        # the dead replica's lease lapses, never with an empty answer.
        run_id = next(data["run_id"] for name, data in doomed.events if name == "run.started")
        reattached = await gateway.get(
            f"/api/chats/{chat_id}/runs/{run_id}/events",
            headers={**doomed_user.headers, "Last-Event-ID": str(len(doomed.text))},
            timeout=30.0,
        )
        assert reattached.status_code == 200
        assert "event: run.error" in reattached.text and "run_lost" in reattached.text
        # The other replica carried every other user's turn, during and after.
        assert all(during), during
        failed = [(t.status, t.failure, t.events[-1:]) for t in after if not t.completed]
        assert failed == [], failed
        # Once the dead replica's lease lapses, the chat works again.
        deadline = time.monotonic() + 20
        while True:
            again = await send(gateway, doomed_user, chat_id, "are you back")
            if again.status != 409 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        assert again.completed, (again.status, again.events[-1:])
        # The user's message of the killed turn is kept, its reply not shown as completed.
        messages = (await get_chat(gateway, doomed_user, chat_id))["messages"]
        users_said = [m["content"] for m in messages if m["role"] == "user"]
        assert users_said[0].startswith("a long reply"), users_said
        killed_reply = messages[1]
        assert killed_reply["role"] == "assistant" and killed_reply["status"] != "completed"
    finally:
        await asyncio.to_thread(stack.group.restart, victim)


async def test_postgres_down_then_back(stack: Stack, gateway: httpx.AsyncClient) -> None:
    users = await make_users(gateway, 4)
    chats = [await new_chat(gateway, u) for u in users]
    completed: list[tuple[int, str]] = []
    stop = asyncio.Event()

    async def keep_chatting(index: int) -> None:
        n = 0
        while not stop.is_set():
            content = f"while the database comes and goes {index}.{n}"
            turn = await send(gateway, users[index], chats[index], content)
            if turn.completed:
                completed.append((index, content))
            else:
                await asyncio.sleep(0.2)
            n += 1

    workers = [asyncio.create_task(keep_chatting(i)) for i in range(len(users))]
    try:
        await asyncio.sleep(1.0)
        await asyncio.to_thread(stop_postgres, stack)
        try:
            await asyncio.sleep(0.5)
            for path in ("/api/chats", "/api/readyz", "/auth/readyz"):
                start = time.monotonic()
                answer = await gateway.get(path, headers=users[0].headers, timeout=15.0)
                assert answer.status_code == 503, (path, answer.status_code, answer.text)
                # The service's JSON 503, or Traefik's own once its passive check has taken
                # the replicas out: either way a quick, clear "unavailable".
                assert time.monotonic() - start < 10, f"{path} took too long to say 503"
        finally:
            await asyncio.to_thread(start_postgres, stack)
        deadline = time.monotonic() + 30
        while (await gateway.get("/api/chats", headers=users[0].headers)).status_code != 200:
            assert time.monotonic() < deadline, "chat did not recover within 30 s"
            await asyncio.sleep(0.2)
        # Let every worker complete a turn or two after the recovery.
        await asyncio.sleep(1.0)
    finally:
        stop.set()
        await asyncio.gather(*workers)
    assert len(completed) > 0
    # No turn that a client saw complete was lost.
    lost = []
    for index, user in enumerate(users):
        stored = {
            m["content"]
            for m in (await get_chat(gateway, user, chats[index]))["messages"]
            if m["role"] == "user"
        }
        lost += [content for who, content in completed if who == index and content not in stored]
    assert lost == [], f"{len(lost)} of {len(completed)} completed turns were not stored"


async def test_a_postgres_restart_at_the_final_save_keeps_the_streamed_reply(
    stack: Stack, gateway: httpx.AsyncClient
) -> None:
    [user] = await make_users(gateway, 1)
    chat_id = await new_chat(gateway, user)
    outage: list[asyncio.Task[None]] = []

    async def restart_postgres() -> None:
        # Mid-reply: the rest streams while the database is down, so agno's final save meets
        # the outage; it is back within the save's retry time (FINAL_SAVE_RETRY_SECONDS).
        await asyncio.to_thread(stop_postgres, stack)

        async def back_soon() -> None:
            await asyncio.sleep(2.0)
            await asyncio.to_thread(start_postgres, stack)

        outage.append(asyncio.create_task(back_soon()))

    try:
        turn = await send(
            gateway,
            user,
            chat_id,
            "keep this [stub:delay=20] [stub:words=40]",
            stop_after_deltas=3,
            on_delta=restart_postgres,
        )
    finally:
        await asyncio.gather(*outage)
    assert outage, "the reply ended before the outage began"
    assert turn.completed, (turn.status, turn.failure, turn.events[-1:])
    assert len(turn.text.split()) == 40
    deadline = time.monotonic() + 30
    while (await gateway.get("/api/chats", headers=user.headers)).status_code != 200:
        assert time.monotonic() < deadline, "chat did not recover within 30 s"
        await asyncio.sleep(0.2)
    messages = (await get_chat(gateway, user, chat_id))["messages"]
    assert [(m["role"], m["status"]) for m in messages] == [
        ("user", "completed"),
        ("assistant", "completed"),
    ]
    assert messages[1]["content"] == turn.text
