"""Background work: nothing spawned is lost, failures are logged, shutdown ends it all."""

from __future__ import annotations

import asyncio

from parley_common.background import BackgroundWork
from structlog.testing import capture_logs


async def test_drain_waits_for_work_and_the_work_it_spawns() -> None:
    work = BackgroundWork()
    done: list[str] = []

    async def child() -> None:
        await asyncio.sleep(0.01)
        done.append("child")

    async def parent() -> None:
        await asyncio.sleep(0.01)
        work.spawn(child(), "child")
        done.append("parent")

    work.spawn(parent(), "parent")
    await work.drain()
    assert done == ["parent", "child"]


async def test_a_failed_task_is_logged_by_name_and_type_without_its_message() -> None:
    work = BackgroundWork()

    async def broken() -> None:
        raise ValueError("secret@example.com")

    with capture_logs() as logs:
        work.spawn(broken(), "mail")
        await work.drain()
    assert logs == [
        {"event": "background.failed", "task": "mail", "error": "ValueError", "log_level": "error"}
    ]


async def test_cancel_all_stops_what_is_still_running() -> None:
    work = BackgroundWork()
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    work.spawn(forever(), "forever")
    await started.wait()
    async with asyncio.timeout(5):
        await work.cancel_all()
    assert cancelled.is_set()
    await work.drain(wait_seconds=0)  # nothing left to wait for
