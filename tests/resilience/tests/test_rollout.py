"""A rolling restart of the chat replicas under steady load: no failed request, no lost reply."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from parley_bench.stack import Stack, running_stack
from parley_resilience import Turn, get_chat, make_users, new_chat, send

from .conftest import CHAT_ENV

WORDS = 25
REPLY = f"[stub:delay=20] [stub:words={WORDS}]"


@pytest.fixture(scope="module")
def three_replicas() -> Iterator[Stack]:
    """A stack of its own with three chat replicas, their pools within PostgreSQL's 100."""
    env = {**CHAT_ENV, "DB_POOL_SIZE": "10", "DB_MAX_OVERFLOW": "10"}
    with running_stack(
        chat_processes=3, peer=False, service_env={"PASSWORD_HASH_PROFILE": "fast"}, chat_env=env
    ) as running:
        yield running


@pytest.fixture
async def gateway3(three_replicas: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=three_replicas.gateway_url, timeout=30.0) as http:
        yield http


async def test_restarting_every_chat_replica_in_turn_fails_no_request_and_loses_no_reply(
    three_replicas: Stack, gateway3: httpx.AsyncClient
) -> None:
    stack, gateway = three_replicas, gateway3
    assert len(stack.chat_names) == 3
    users = await make_users(gateway, 6)
    chats = [await new_chat(gateway, u) for u in users]
    turns: list[tuple[int, str, Turn]] = []
    listed: list[int] = []
    rolling = asyncio.Event()

    async def keep_chatting(index: int) -> None:
        n = 0
        while not rolling.is_set():
            content = f"through the rollout {index}.{n} {REPLY}"
            turns.append((index, content, await send(gateway, users[index], chats[index], content)))
            listed.append(
                (await gateway.get("/api/chats", headers=users[index].headers)).status_code
            )
            n += 1

    workers = [asyncio.create_task(keep_chatting(i)) for i in range(len(users))]
    try:
        await asyncio.sleep(1.0)
        for name in stack.chat_names:
            # What Kubernetes does to a pod in a rollout: SIGTERM, then wait for it to exit.
            started = time.monotonic()
            await asyncio.to_thread(stack.group.kill, name, signal.SIGTERM)
            assert time.monotonic() - started < 10, f"{name} took too long to drain"
            await asyncio.to_thread(stack.group.restart, name)
            await asyncio.sleep(1.0)
    finally:
        rolling.set()
        await asyncio.gather(*workers)

    assert len(turns) > 3 * len(users), "too little load to say anything"
    failed = [(c, t.status, t.failure, t.events[-1:]) for _, c, t in turns if not t.completed]
    assert failed == [], failed
    assert set(listed) == {200}, listed
    cut = [(c, t.text) for _, c, t in turns if len(t.text.split()) != WORDS]
    assert cut == [], cut
    # Every reply a client saw complete is stored, complete.
    for index, user in enumerate(users):
        messages = (await get_chat(gateway, user, chats[index]))["messages"]
        stored = {q["content"]: a for q, a in zip(messages[::2], messages[1::2], strict=True)}
        for who, content, turn in turns:
            if who == index:
                assert stored[content]["status"] == "completed", content
                assert stored[content]["content"] == turn.text, content
