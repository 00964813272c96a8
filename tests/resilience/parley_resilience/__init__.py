"""Helpers of the resilience suite: users through the gateway, SSE turns, fault switches."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import aconnect_sse
from parley_bench.loadgen import ParleyTarget, VirtualUser
from parley_bench.stack import Stack

PASSWORD = "resilience-Password-123"


def soak() -> bool:
    """`make soak` sets PARLEY_SOAK=1 for the long form."""
    return os.environ.get("PARLEY_SOAK", "").lower() in ("1", "true", "yes")


async def make_users(http: httpx.AsyncClient, count: int) -> list[VirtualUser]:
    """Register and log in ``count`` users through the gateway (8 at a time)."""
    import asyncio

    gate = asyncio.Semaphore(8)

    async def one() -> VirtualUser:
        email = f"r-{uuid.uuid4().hex[:12]}@example.com"
        async with gate:
            r = await http.post("/auth/register", json={"email": email, "password": PASSWORD})
            assert r.status_code == 201, r.text
            r = await http.post("/auth/login", data={"username": email, "password": PASSWORD})
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            me = await http.get("/auth/users/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
        return VirtualUser(me.json()["id"], token)

    return list(await asyncio.gather(*(one() for _ in range(count))))


class ResumingParleyTarget:
    """Parley for the load generator, read with ``send`` (a cut stream is resumed, as the web
    client does); ``resumed`` lists each time that was needed."""

    name = "parley"

    def __init__(self) -> None:
        self.resumed: list[str] = []

    async def new_chat(self, http: httpx.AsyncClient, user: VirtualUser) -> str:
        chat_id: str = await ParleyTarget().new_chat(http, user)
        return chat_id

    async def turn(
        self, http: httpx.AsyncClient, user: VirtualUser, chat_id: str, message: str
    ) -> tuple[float | None, bool, str, str | None]:
        turn = await send(http, user, chat_id, message)
        self.resumed += turn.resumed
        error = None
        if not turn.completed:
            error = turn.failure or (f"HTTP {turn.status}" if turn.status != 200 else None)
            error = error or f"{turn.events[-1:]}"[:300]
        return turn.first_delta_s, turn.completed, turn.text, error


@dataclass
class Turn:
    """What a client saw of one message: status, events, and any transport failure."""

    status: int
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failure: str | None = None
    # The reply's text, seconds from the request to its first part, each resumption.
    text: str = ""
    first_delta_s: float | None = None
    resumed: list[str] = field(default_factory=list)

    def add_delta(self, text: str, event_id: str) -> None:
        """Place a delta by its id (the reply's length after it): after a resume, the first
        one may repeat text we have (a finished run is replayed as one whole-text delta)."""
        end = int(event_id) if event_id.isdigit() else len(self.text) + len(text)
        self.text = self.text[: max(0, end - len(text))] + text

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    @property
    def completed(self) -> bool:
        return "run.completed" in self.names

    def error_code(self) -> str | None:
        for name, data in self.events:
            if name == "run.error":
                code: str | None = data.get("code")
                return code
        return None


async def send(
    http: httpx.AsyncClient,
    user: VirtualUser,
    chat_id: str,
    content: str,
    *,
    stop_after_deltas: int | None = None,
    on_delta: Any = None,
) -> Turn:
    """Post a message and read the stream to its end, as the web client does: a stream cut
    after the run started is resumed from the run's events endpoint with Last-Event-ID (see
    the README on Traefik and POST streams). A failure to resume is the turn's failure."""
    turn = Turn(status=0)
    deltas = 0
    started = time.perf_counter()
    run_id: str | None = None
    last_id: str | None = None
    request: dict[str, Any] = {
        "method": "POST",
        "url": f"/api/chats/{chat_id}/messages",
        "json": {"content": content},
    }
    for _ in range(3):
        headers = {**user.headers, **({"Last-Event-ID": last_id} if last_id else {})}
        try:
            async with aconnect_sse(http, headers=headers, **request) as source:
                turn.status, turn.failure = source.response.status_code, None
                if turn.status != 200:
                    await source.response.aread()
                    return turn
                async for sse in source.aiter_sse():
                    last_id = sse.id or last_id
                    data = json.loads(sse.data) if sse.data else {}
                    turn.events.append((sse.event, data))
                    if sse.event == "run.started":
                        run_id = data["run_id"]
                    elif sse.event == "message.delta":
                        turn.add_delta(data["text"], sse.id)
                        deltas += 1
                        if turn.first_delta_s is None:
                            turn.first_delta_s = time.perf_counter() - started
                        if on_delta is not None and deltas == stop_after_deltas:
                            await on_delta()
                    elif sse.event in ("run.completed", "run.error", "run.cancelled"):
                        return turn
            turn.failure = "stream ended without a final event"
            return turn
        except httpx.HTTPError as exc:
            turn.failure = f"{type(exc).__name__}: {exc}"
            if run_id is None or not isinstance(exc, httpx.TransportError):
                return turn
            turn.resumed.append(f"run {run_id} after event {last_id}: {type(exc).__name__}")
            request = {"method": "GET", "url": f"/api/chats/{chat_id}/runs/{run_id}/events"}
    return turn


async def new_chat(http: httpx.AsyncClient, user: VirtualUser) -> str:
    r = await http.post("/api/chats", json={}, headers=user.headers)
    assert r.status_code == 201, r.text
    chat_id: str = r.json()["id"]
    return chat_id


async def get_chat(http: httpx.AsyncClient, user: VirtualUser, chat_id: str) -> dict[str, Any]:
    """The chat with every stored turn: the API pages them, newest first (a long run under a
    slow machine stores more turns than one page)."""
    messages: list[Any] = []
    before: str | None = None
    while True:
        params = {"limit": "200", **({"before": before} if before else {})}
        r = await http.get(f"/api/chats/{chat_id}", params=params, headers=user.headers)
        assert r.status_code == 200, r.text
        chat: dict[str, Any] = r.json()
        messages = chat["messages"] + messages
        before = chat.get("older_cursor")
        if not before:
            return {**chat, "messages": messages}


def stop_postgres(stack: Stack) -> None:
    """Stop the stack's embedded PostgreSQL (fast shutdown: open sessions are dropped)."""
    from pgserver.postgres_server import pg_ctl  # type: ignore[attr-defined]

    server = stack.plan.postgres
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30)


def start_postgres(stack: Stack) -> None:
    """Start it again on the same data folder and socket."""
    stack.plan.postgres.ensure_postgres_running()


def wait_until(predicate: Any, timeout: float, interval: float = 0.2) -> float:
    """Poll ``predicate()`` until true; return the seconds it took (AssertionError on timeout)."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
