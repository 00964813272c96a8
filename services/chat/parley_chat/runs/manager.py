"""The run manager: starts, cancels and follows the runs of this process.

A run is owned by the replica that accepted the message. Its events go to a live buffer
(live.py) that any number of SSE responses follow; a client disconnect only detaches its
response. The chat's lease (leases.py) makes "one run per chat" hold across replicas and
carries the cancel flag; the agent driver (agent.py) runs agno; endings.py settles the end.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import orjson
from agno.agent import Agent
from parley_common.background import BackgroundWork

from parley_chat.catalog import CatalogView
from parley_chat.config import Settings
from parley_chat.observability import Metrics
from parley_chat.providers import ProviderClients
from parley_chat.runs.agent import AGENT_ID, AgentDriver, pending_run
from parley_chat.runs.endings import RunEndings
from parley_chat.runs.errors import ChatBusy, ChatNotFound, RunNotActive
from parley_chat.runs.events import Batch, SseEvent, is_finished, lost_events, replay, stored_events
from parley_chat.runs.leases import LeaseKeeper
from parley_chat.runs.live import LiveRun
from parley_chat.runs.models import TurnModel, TurnModels
from parley_chat.storage import (
    ChatDb,
    ChatQueries,
    FinalSaves,
    LeaseQueries,
    LedgerQueries,
    TurnAdmission,
)
from parley_chat.tokens import Principal
from parley_chat.usage import CHAT_BUSY, CallSource, UsageRefused, turn_plan


class RunManager:
    """Starts, tracks, cancels and reattaches runs of this process."""

    def __init__(
        self,
        settings: Settings,
        db: ChatDb,
        queries: ChatQueries,
        lease_queries: LeaseQueries,
        ledger: LedgerQueries,
        final_saves: FinalSaves,
        catalog: CatalogView,
        clients: ProviderClients,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.clients = clients
        self.queries = queries
        self.final_saves = final_saves
        self.metrics = metrics
        self.runs: dict[str, LiveRun] = {}
        self.background = BackgroundWork()
        self.leases = LeaseKeeper(
            settings, lease_queries, final_saves, self.runs, self._cancel_local, self.background
        )
        self.endings = RunEndings(
            settings,
            queries,
            ledger,
            final_saves,
            self.leases,
            catalog,
            clients,
            metrics,
            self.background,
        )
        self.driver = AgentDriver(settings, db, clients, self.endings, metrics)

    @property
    def owner(self) -> str:
        """This replica's id in the lease table."""
        return self.leases.owner

    async def start(self) -> None:
        await self.leases.start()

    async def stop(self) -> None:
        """Let running replies finish for the grace period, then cancel what is left."""
        running = [r.task for r in self.runs.values() if r.task and not r.task.done()]
        if running:
            await asyncio.wait(running, timeout=self.settings.SHUTDOWN_GRACE_SECONDS)
        for run in list(self.runs.values()):
            if not run.done:
                await self._cancel_local(run, grace=0.5)
        running = [r.task for r in self.runs.values() if r.task and not r.task.done()]
        if running:
            await asyncio.wait(running, timeout=5)
        await self.leases.stop()
        await self.background.cancel_all()

    async def start_run(
        self,
        chat_id: str,
        caller: Principal,
        content: str,
        models: TurnModels,
        *,
        source: CallSource = "web",
    ) -> LiveRun:
        """Take the chat's lease (ownership checked, model chosen and usage admitted in the same
        statement) and start the run; raises ChatNotFound, ModelNotAllowed, MessageTooLong,
        UsageRefused or ChatBusy."""
        user_id = caller.user_id
        settings = self.settings
        run_id = str(uuid.uuid4())
        now = int(time.time())
        pending = pending_run(run_id, chat_id, user_id, content, now)
        lease = await self.leases.acquire(
            chat_id,
            user_id,
            run_id,
            agent_id=AGENT_ID,
            run_data=orjson.dumps(pending.to_dict()).decode(),
            now=now,
            models=models.choice,
            admission=TurnAdmission(
                groups=tuple(sorted(caller.groups)),
                plan=turn_plan(models.snapshot, models.choice.allowed, models.budgets),
                source=source,
                api_key_id=caller.api_key_id,
                max_in_flight=settings.USER_REPLIES_IN_FLIGHT,
                max_per_minute=settings.USER_TURNS_PER_MINUTE,
            ),
        )
        if not lease.chat_found:
            raise ChatNotFound
        if not lease.model_accepted or lease.model is None:
            raise models.refusal(lease.model)
        if lease.refusal is not None:
            if lease.refusal.get("code") == CHAT_BUSY:
                raise ChatBusy
            raise UsageRefused(lease.refusal, settings.USAGE_CURRENCY)
        if not lease.acquired:
            await self.leases.queries.drop_hold(run_id)
            raise ChatBusy
        turn = models.accepted(lease.model)
        self.clients.retain(models.snapshot)
        run = LiveRun(run_id=run_id, chat_id=chat_id, user_id=user_id, content=content)
        run.untitled = lease.chat_untitled
        run.groups = tuple(sorted(caller.groups))
        run.source = source
        run.api_key_id = caller.api_key_id
        run.publish(SseEvent(0, "run.started", {"run_id": run_id, "model": turn.model.id}))
        self.runs[run_id] = run
        self.metrics.runs_started.inc()
        self.metrics.runs_active.inc()
        run.task = asyncio.create_task(self._execute(run, turn))
        return run

    async def _execute(self, run: LiveRun, turn: TurnModel) -> None:
        try:
            await self.driver.drive(run, turn)
        finally:
            self.background.spawn(self._forget_later(run), "forget_run")

    async def _forget_later(self, run: LiveRun) -> None:
        # Keep the buffer a while so a reattaching client gets the exact events.
        await asyncio.sleep(self.settings.RUN_BUFFER_RETENTION_SECONDS)
        self.runs.pop(run.run_id, None)

    # -- cancel ------------------------------------------------------------------------------
    async def cancel(self, chat_id: str, user_id: str, run_id: str) -> None:
        """Ask the run to stop wherever it runs; raise ChatNotFound or RunNotActive."""
        run = self.runs.get(run_id)
        if run is not None and run.chat_id == chat_id and run.user_id == user_id:
            if run.done:
                raise RunNotActive
            await self._cancel_local(run)
            return
        if await self.leases.queries.request_cancel(chat_id, user_id, run_id):
            return
        if await self.queries.get_run(chat_id, user_id, run_id) is not None:
            raise RunNotActive
        raise ChatNotFound

    async def _cancel_local(self, run: LiveRun, grace: float = 3.0) -> None:
        if run.done or run.cancel_requested:
            return
        run.cancel_requested = True
        # agno notices its cancel flag between chunks; a model call stuck before its first
        # chunk would not, so the task itself is cancelled after a grace period.
        await Agent.acancel_run(run.run_id)
        self.background.spawn(self._force_cancel(run, grace), "force_cancel")

    async def _force_cancel(self, run: LiveRun, grace: float) -> None:
        await asyncio.sleep(grace)
        if run.done or run.finishing or self.final_saves.saved(run.run_id):
            return  # it ended (or agno is saving its end) meanwhile
        if run.task is not None and not run.task.done():
            run.task.cancel()

    # -- reattach ----------------------------------------------------------------------------
    async def events(
        self, chat_id: str, user_id: str, run_id: str, after: int
    ) -> AsyncIterator[Batch]:
        """The run's events after ``after``; raises ChatNotFound before the stream starts."""
        run = self.runs.get(run_id)
        if run is not None and run.chat_id == chat_id and run.user_id == user_id:
            return run.follow(after, self.settings.SSE_KEEPALIVE_SECONDS)
        row = await self.queries.get_run(chat_id, user_id, run_id)
        if row is not None and is_finished(row):
            return replay(stored_events(row, after))
        lease = await self.leases.queries.lease_of(chat_id, user_id, run_id)
        if lease is None and row is None:
            raise ChatNotFound
        return self._await_remote(chat_id, user_id, run_id, after)

    async def _await_remote(
        self, chat_id: str, user_id: str, run_id: str, after: int
    ) -> AsyncIterator[Batch]:
        """A run owned by another replica: no live deltas here; wait for its stored result."""
        interval = 1.0
        waited = 0.0
        while True:
            row = await self.queries.get_run(chat_id, user_id, run_id)
            if row is not None and is_finished(row):
                yield stored_events(row, after)
                return
            lease = await self.leases.queries.lease_of(chat_id, user_id, run_id)
            if lease is None or not lease.live:
                # Give the owner a moment to write its final row after dropping the lease.
                await asyncio.sleep(interval)
                row = await self.queries.get_run(chat_id, user_id, run_id)
                if row is not None and is_finished(row):
                    yield stored_events(row, after)
                    return
                yield lost_events(run_id, after)
                return
            await asyncio.sleep(interval)
            waited += interval
            if waited >= self.settings.SSE_KEEPALIVE_SECONDS:
                waited = 0.0
                yield None
