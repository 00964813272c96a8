"""Load generator: V virtual users, each with its own token and chat, T sequential turns each.

httpx + asyncio with httpx-sse rather than Locust: Locust's gevent client has no SSE reader,
and time to first token needs the stream read event by event.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from httpx_sse import aconnect_sse


@dataclass(frozen=True)
class VirtualUser:
    """A caller: its id and bearer token (empty for the stub, which checks nothing)."""

    user_id: str
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class TurnResult:
    """One turn as the client saw it; times in seconds from sending the request."""

    user: int
    turn: int
    ok: bool
    ttft: float | None
    total: float
    error: str | None = None
    text: str = ""


class Target(Protocol):
    """How to talk to one system under test."""

    name: str

    async def new_chat(self, http: httpx.AsyncClient, user: VirtualUser) -> str: ...

    async def turn(
        self, http: httpx.AsyncClient, user: VirtualUser, chat_id: str, message: str
    ) -> tuple[float | None, bool, str, str | None]:
        """Send one message and read the reply: (ttft, ok, text, error)."""
        ...


async def _read(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    on_event: Callable[[str, str], tuple[bool, bool, str | None] | None],
    **kwargs: Any,
) -> tuple[float | None, bool, str, str | None]:
    """Stream an SSE response; ``on_event(name, data)`` -> (is_token, done_ok, error) or None."""
    start = time.perf_counter()
    ttft: float | None = None
    parts: list[str] = []
    async with aconnect_sse(http, method, url, **kwargs) as source:
        if source.response.status_code != 200:
            await source.response.aread()
            return None, False, "", f"HTTP {source.response.status_code}"
        async for sse in source.aiter_sse():
            verdict = on_event(sse.event, sse.data)
            if verdict is None:
                continue
            is_token, done_ok, error = verdict
            if is_token:
                if ttft is None:
                    ttft = time.perf_counter() - start
                parts.append(sse.data)
            if error is not None:
                return ttft, False, "".join(parts), error
            if done_ok:
                return ttft, True, "".join(parts), None
    return ttft, False, "".join(parts), "stream ended without a final event"


class ParleyTarget:
    """Parley's chat API (direct or through the gateway): JSON in, our SSE events out."""

    def __init__(self, name: str = "parley") -> None:
        self.name = name

    async def new_chat(self, http: httpx.AsyncClient, user: VirtualUser) -> str:
        response = await http.post("/api/chats", json={}, headers=user.headers)
        response.raise_for_status()
        chat_id: str = response.json()["id"]
        return chat_id

    async def turn(
        self, http: httpx.AsyncClient, user: VirtualUser, chat_id: str, message: str
    ) -> tuple[float | None, bool, str, str | None]:
        def on_event(name: str, data: str) -> tuple[bool, bool, str | None] | None:
            if name == "message.delta":
                return True, False, None
            if name == "run.completed":
                return False, True, None
            if name in ("run.error", "run.cancelled"):
                return False, False, f"{name} {data[:200]}"
            return None

        return await _read(
            http,
            "POST",
            f"/api/chats/{chat_id}/messages",
            json={"content": message},
            headers=user.headers,
            on_event=on_event,
        )


class AgentOSTarget:
    """Agno AgentOS: form-encoded run request, Agno's event names."""

    def __init__(self, agent_id: str, name: str = "agentos") -> None:
        self.agent_id = agent_id
        self.name = name

    async def new_chat(self, http: httpx.AsyncClient, user: VirtualUser) -> str:
        # AgentOS makes the session on the first run with a client-chosen id.
        return str(uuid.uuid4())

    async def turn(
        self, http: httpx.AsyncClient, user: VirtualUser, chat_id: str, message: str
    ) -> tuple[float | None, bool, str, str | None]:
        def on_event(name: str, data: str) -> tuple[bool, bool, str | None] | None:
            if name == "RunContent":
                return True, False, None
            if name == "RunCompleted":
                return False, True, None
            if name in ("RunError", "RunCancelled"):
                return False, False, f"{name} {data[:200]}"
            return None

        return await _read(
            http,
            "POST",
            f"/agents/{self.agent_id}/runs",
            data={"message": message, "stream": "true", "session_id": chat_id},
            headers=user.headers,
            on_event=on_event,
        )


class StubTarget:
    """The LLM stub alone: OpenAI streaming chunks; the floor any platform adds to."""

    name = "stub"

    async def new_chat(self, http: httpx.AsyncClient, user: VirtualUser) -> str:
        return ""

    async def turn(
        self, http: httpx.AsyncClient, user: VirtualUser, chat_id: str, message: str
    ) -> tuple[float | None, bool, str, str | None]:
        def on_event(name: str, data: str) -> tuple[bool, bool, str | None] | None:
            if data == "[DONE]":
                return False, True, None
            return True, False, None

        body = {"model": "stub", "stream": True, "messages": [{"role": "user", "content": message}]}
        return await _read(http, "POST", "/v1/chat/completions", json=body, on_event=on_event)


@dataclass
class LoadResult:
    """Every turn of one load run plus its wall time."""

    target: str
    users: int
    turns_per_user: int
    wall: float
    turns: list[TurnResult] = field(default_factory=list)
    setup_errors: list[str] = field(default_factory=list)
    cpu_seconds: float | None = None  # server process CPU during the run, when measured

    @property
    def ok_turns(self) -> list[TurnResult]:
        return [t for t in self.turns if t.ok]

    @property
    def errors(self) -> int:
        return len(self.turns) - len(self.ok_turns) + len(self.setup_errors)

    @property
    def turns_per_second(self) -> float:
        return len(self.ok_turns) / self.wall if self.wall > 0 else 0.0

    @property
    def cpu_ms_per_turn(self) -> float | None:
        if self.cpu_seconds is None or not self.ok_turns:
            return None
        return 1000.0 * self.cpu_seconds / len(self.ok_turns)

    def summary(self) -> dict[str, Any]:
        ttft = [t.ttft * 1000 for t in self.ok_turns if t.ttft is not None]
        total = [t.total * 1000 for t in self.ok_turns]
        return {
            "target": self.target,
            "users": self.users,
            "turns": len(self.turns),
            "ok": len(self.ok_turns),
            "errors": self.errors,
            "wall_s": round(self.wall, 3),
            "turns_per_s": round(self.turns_per_second, 2),
            "ttft_ms": percentiles(ttft),
            "total_ms": percentiles(total),
            "cpu_ms_per_turn": (
                round(self.cpu_ms_per_turn, 2) if self.cpu_ms_per_turn is not None else None
            ),
        }


def percentiles(values: Sequence[float], points: Sequence[int] = (50, 95, 99)) -> dict[str, float]:
    """Nearest-rank percentiles (``p50``...) of ``values``, in their unit; empty -> {}."""
    if not values:
        return {}
    ordered = sorted(values)
    result: dict[str, float] = {}
    for p in points:
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        result[f"p{p}"] = round(ordered[rank - 1], 2)
    return result


def message_for(user: int, turn: int) -> str:
    """A distinct, recognisable message per user and turn (the audit looks for it)."""
    return f"user {user} turn {turn} says hello"


async def run_load(
    target: Target,
    base_url: str,
    users: Sequence[VirtualUser],
    turns: int,
    *,
    message: Callable[[int, int], str] = message_for,
    request_timeout: float = 60.0,
    warmup_turns: int = 0,
    on_turn: Callable[[TurnResult], Awaitable[None]] | None = None,
    cpu_probe: Callable[[], float] | None = None,
) -> LoadResult:
    """Every user makes its chat, then all users send ``turns`` sequential messages at once.

    Chat creation and ``warmup_turns`` run before the clock starts; ``cpu_probe`` returns the
    server's CPU seconds so far and is read around the measured part only.
    """
    limits = httpx.Limits(max_connections=len(users) + 8, max_keepalive_connections=len(users) + 8)
    async with httpx.AsyncClient(base_url=base_url, timeout=request_timeout, limits=limits) as http:
        chats: list[str | None] = [None] * len(users)
        setup_errors: list[str] = []

        async def setup(index: int, user: VirtualUser) -> None:
            try:
                chats[index] = await target.new_chat(http, user)
                for w in range(warmup_turns):
                    await target.turn(http, user, chats[index] or "", f"warm up {index} {w}")
            except (httpx.HTTPError, OSError) as exc:
                setup_errors.append(f"user {index}: {type(exc).__name__}: {exc}")

        await asyncio.gather(*(setup(i, u) for i, u in enumerate(users)))
        results: list[TurnResult] = []

        async def drive(index: int, user: VirtualUser) -> None:
            chat_id = chats[index]
            if chat_id is None:
                return
            for turn in range(turns):
                start = time.perf_counter()
                try:
                    ttft, ok, text, error = await target.turn(
                        http, user, chat_id, message(index, turn)
                    )
                except (httpx.HTTPError, OSError) as exc:
                    ttft, ok, text, error = None, False, "", f"{type(exc).__name__}: {exc}"
                result = TurnResult(index, turn, ok, ttft, time.perf_counter() - start, error, text)
                results.append(result)
                if on_turn is not None:
                    await on_turn(result)

        cpu_before = cpu_probe() if cpu_probe else None
        started = time.perf_counter()
        await asyncio.gather(*(drive(i, u) for i, u in enumerate(users)))
        wall = time.perf_counter() - started
        cpu = cpu_probe() - cpu_before if cpu_probe and cpu_before is not None else None
    return LoadResult(
        target=target.name,
        users=len(users),
        turns_per_user=turns,
        wall=wall,
        turns=results,
        setup_errors=setup_errors,
        cpu_seconds=cpu,
    )
