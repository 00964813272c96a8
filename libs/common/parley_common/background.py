"""Work a service starts and does not await (mail after a response, a reply's title, retries)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class BackgroundWork:
    """Keeps references to spawned tasks, logs their failures, drains them on shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("background.failed", task=task.get_name(), error=type(exc).__name__)

    async def drain(self, wait_seconds: float | None = None) -> None:
        """Wait for every task spawned so far (and those they spawn)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks), timeout=wait_seconds)
            if wait_seconds is not None:
                break

    async def cancel_all(self) -> None:
        """Cancel every task still running and wait until they have stopped."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
