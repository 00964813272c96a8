"""Notes when each API key was last used, written in the background at most once a minute
per key, so a request never waits for it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from parley_chat.storage import ApiKeyQueries

log = structlog.get_logger("parley_chat.keys")

WRITE_EVERY_SECONDS = 60.0  # per key: last_used_at is a minute-grained hint
FLUSH_SECONDS = 5.0


class LastUseFlusher:
    """``used(key_id)`` is a dict write; a background task stores what is pending."""

    def __init__(
        self,
        queries: ApiKeyQueries,
        flush_seconds: float = FLUSH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.queries = queries
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._pending: dict[str, datetime] = {}
        self._written: dict[str, float] = {}  # key id -> when its use was last taken to write
        self._task: asyncio.Task[None] | None = None

    def used(self, key_id: str) -> None:
        now = self._clock()
        last = self._written.get(key_id)
        if last is not None and now - last < WRITE_EVERY_SECONDS:
            return
        self._written[key_id] = now
        self._pending[key_id] = datetime.now(UTC)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()

    async def flush(self) -> None:
        """Write the pending uses; on failure they are kept for the next round."""
        if not self._pending:
            return
        uses, self._pending = self._pending, {}
        try:
            await self.queries.touch(uses)
        except Exception as exc:
            for key_id, at in uses.items():
                self._pending.setdefault(key_id, at)
            log.warning("api_key_last_use_not_written", keys=len(uses), error=type(exc).__name__)
        # Forget keys not used for a while, so the dict does not grow for ever.
        now = self._clock()
        self._written = {k: t for k, t in self._written.items() if now - t < WRITE_EVERY_SECONDS}

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            await self.flush()
