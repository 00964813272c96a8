"""A live run: its event buffer that any number of SSE responses follow, and its flags."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from parley_chat.runs.events import Batch, SseEvent


@dataclass
class LiveRun:
    """A run of this process. Event ids: 0 = started, deltas = text offset, end = len + 1."""

    run_id: str
    chat_id: str
    user_id: str
    content: str
    started_at: float = field(default_factory=time.time)
    events: list[SseEvent] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    offset: int = 0
    done: bool = False
    # The end is being settled (agno saved it, or we are fixing it up): never cancel it now.
    finishing: bool = False
    missed_heartbeats: int = 0
    outcome: str | None = None
    cancel_requested: bool = False
    untitled: bool = False
    # Who the run's other model calls (its title) are charged to, as the turn was.
    groups: tuple[str, ...] = ()
    source: str = "web"
    api_key_id: str | None = None
    task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def publish(self, event: SseEvent) -> None:
        self.events.append(event)
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    def add_text(self, text: str) -> None:
        self.parts.append(text)
        self.offset += len(text)
        self.publish(SseEvent(self.offset, "message.delta", {"text": text}))

    def finish(self, event: str, data: dict[str, Any]) -> None:
        self.done = True
        self.outcome = event
        self.publish(SseEvent(self.offset + 1, event, data))

    async def follow(self, after: int, keepalive: float) -> AsyncIterator[Batch]:
        """Events with id > ``after``, then live ones until the end; None means keep-alive.

        Events are yielded in batches: whatever accumulated while the client's previous write
        was in flight goes out in one write (fewer syscalls under load).
        """
        index = 0
        while True:
            if index < len(self.events):
                batch = [e for e in self.events[index:] if e.id > after]
                end = self.events[-1]
                if self.done and end.id <= after:
                    # A client that claims to have seen more than there is must still learn
                    # that the run is over; ids stay increasing for it.
                    batch.append(replace(end, id=after + 1))
                index = len(self.events)
                if batch:
                    yield batch
                continue
            if self.done:
                return
            wake = self._wake
            try:
                # asyncio.timeout, unlike wait_for, creates no task per wait (one per delta).
                async with asyncio.timeout(keepalive):
                    await wake.wait()
            except TimeoutError:
                yield None
