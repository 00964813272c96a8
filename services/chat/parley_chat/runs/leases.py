"""This replica's side of the run leases: take, renew, hear cancels, release with retries."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping

import psycopg
import structlog
from parley_common.background import BackgroundWork

from parley_chat.config import Settings
from parley_chat.runs.live import LiveRun
from parley_chat.storage import (
    FinalSaves,
    LeaseAttempt,
    LeaseQueries,
    TurnAdmission,
    TurnModelChoice,
)
from parley_chat.storage.schema import CANCEL_CHANNEL

log = structlog.get_logger("parley_chat.runs")


class LeaseKeeper:
    """Holds the leases of this replica's runs and stops runs that must stop.

    A run stops when its chat's lease carries a cancel request (seen by the heartbeat or
    heard through LISTEN) or when the lease is gone (the chat was deleted, or it expired).
    """

    def __init__(
        self,
        settings: Settings,
        queries: LeaseQueries,
        final_saves: FinalSaves,
        runs: Mapping[str, LiveRun],
        cancel: Callable[[LiveRun], Awaitable[None]],
        background: BackgroundWork,
    ) -> None:
        self.settings = settings
        self.queries = queries
        self.final_saves = final_saves
        self.runs = runs
        self.cancel = cancel
        self.background = background
        self.owner = uuid.uuid4().hex
        # Usage holds of this replica's /api/v1 calls in flight, renewed with the leases.
        self.call_holds: set[str] = set()
        self.listening = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._heartbeat()), asyncio.create_task(self._listen())]
        # Be listening for cancels before taking traffic; a down database only delays this.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                await self.listening.wait()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def acquire(
        self,
        chat_id: str,
        user_id: str,
        run_id: str,
        *,
        agent_id: str,
        run_data: str,
        now: int,
        models: TurnModelChoice,
        admission: TurnAdmission,
    ) -> LeaseAttempt:
        """Admit the turn's usage, take the chat's lease for ``run_id`` and store its RUNNING
        row, in one statement."""
        return await self.queries.acquire(
            chat_id,
            user_id,
            run_id,
            self.owner,
            self.settings.RUN_LEASE_SECONDS,
            agent_id=agent_id,
            run_data=run_data,
            now=now,
            models=models,
            admission=admission,
        )

    async def release(self, run_id: str) -> None:
        """Drop the chat's lease when agno's final save did not (it failed or never came)."""
        try:
            await self.queries.release(run_id)
        except Exception as exc:
            log.warning("lease_release_failed", run_id=run_id, error=type(exc).__name__)
            # Retry in the background so the chat unblocks soon after the database is back
            # (the lease would otherwise hold until it expires).
            self.background.spawn(self._release_later(run_id), "lease_release")

    async def _release_later(self, run_id: str) -> None:
        for _ in range(int(self.settings.RUN_LEASE_SECONDS) + 1):
            await asyncio.sleep(1.0)
            try:
                await self.queries.release(run_id)
                return
            except Exception:  # noqa: S112 - still down: try again, the lease expires anyway
                continue

    async def _heartbeat(self) -> None:
        period = self.settings.RUN_LEASE_SECONDS / 3
        while True:
            await asyncio.sleep(period)
            try:
                await self.beat()
            except Exception as exc:
                log.warning("lease_renew_failed", error=type(exc).__name__)

    async def beat(self) -> None:
        """Renew this replica's leases; stop runs that were cancelled elsewhere or lost theirs."""
        live = [r for r in self.runs.values() if not r.done]
        if not live and not self.call_holds:
            return
        renewed = await self.queries.renew(
            self.owner,
            [r.run_id for r in live],
            self.settings.RUN_LEASE_SECONDS,
            list(self.call_holds),
        )
        for run in live:
            if run.done or run.finishing or self.final_saves.saved(run.run_id):
                continue  # agno has saved its end (which also drops the lease)
            cancel_requested = renewed.get(run.run_id)
            if cancel_requested is None:
                # No lease: the chat was deleted (its NOTIFY may have been missed) or the
                # lease was lost. Twice in a row, so a run ending right now is not hit.
                run.missed_heartbeats += 1
                if run.missed_heartbeats >= 2:
                    await self.cancel(run)
            elif cancel_requested:
                await self.cancel(run)
            else:
                run.missed_heartbeats = 0

    async def _listen(self) -> None:
        backoff = 0.5
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.settings.libpq_url, autocommit=True, connect_timeout=5
                )
                async with conn:
                    await conn.execute(f"LISTEN {CANCEL_CHANNEL}")
                    self.listening.set()
                    backoff = 0.5
                    async for notify in conn.notifies():
                        run = self.runs.get(notify.payload)
                        if run is not None and not run.done:
                            await self.cancel(run)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.listening.clear()
                log.warning("cancel_listener_failed", error=type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
