"""Two chat processes behind the gateway: losing one during a burst loses no request.

Traefik resends a request that never reached a replica (refused connection) and an idempotent
one whose replica died before answering; health checks (active + passive) then take the dead
replica out. A POST whose bytes reached a replica that is then SIGKILLed cannot be replayed
safely, so the SIGKILL burst is made of reads; the SIGTERM burst mixes reads and writes.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from parley_devstack import RunningStack

from .conftest import new_user_token

# The first test also pays for starting the whole stack (slow on a busy machine).
pytestmark = pytest.mark.timeout(300)

WORKERS = 8
AFTER_KILL_SECONDS = 4.0  # two health-check intervals


@pytest.mark.parametrize(
    ("sig", "writes"), [(signal.SIGKILL, False), (signal.SIGTERM, True)], ids=["SIGKILL", "SIGTERM"]
)
def test_losing_a_chat_replica_during_a_burst_loses_no_request(
    stack: RunningStack, sig: signal.Signals, writes: bool
) -> None:
    assert stack.chat_names == ["chat1", "chat2"]
    headers = {"Authorization": f"Bearer {new_user_token(stack, '127.0.0.20')}"}
    stop = threading.Event()
    outcomes: Counter[str] = Counter()
    created: list[str] = []
    lock = threading.Lock()

    def hammer(worker: int) -> None:
        with httpx.Client(base_url=stack.url, headers=headers, timeout=30) as client:
            n = 0
            while not stop.is_set():
                n += 1
                write = writes and n % 3 == 0
                try:
                    if write:
                        answer = client.post("/api/chats", json={"title": f"w{worker}-{n}"})
                    else:
                        answer = client.get("/api/chats", params={"limit": 5})
                    outcome = f"{answer.request.method} {answer.status_code}"
                    if answer.status_code == 201:
                        with lock:
                            created.append(answer.json()["id"])
                except httpx.HTTPError as exc:
                    outcome = f"{'POST' if write else 'GET'} {type(exc).__name__}"
                with lock:
                    outcomes[outcome] += 1

    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            for worker in range(WORKERS):
                pool.submit(hammer, worker)
            time.sleep(1.0)
            before = sum(outcomes.values())
            stack.group.kill("chat1", sig)
            time.sleep(AFTER_KILL_SECONDS)
            stop.set()
        total = sum(outcomes.values())
        assert before > 5 and total > before + 40, outcomes  # traffic before and after the kill
        expected = {"GET 200", "POST 201"} if writes else {"GET 200"}
        assert set(outcomes) <= expected, outcomes
        if writes:
            # Every chat the clients were told about exists, exactly once.
            with httpx.Client(base_url=stack.url, headers=headers, timeout=30) as client:
                listed: list[str] = []
                cursor = None
                while True:
                    params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
                    page = client.get("/api/chats", params=params).json()
                    listed += [c["id"] for c in page["items"]]
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
            assert sorted(listed) == sorted(created)
    finally:
        stop.set()
        stack.restart("chat1")
