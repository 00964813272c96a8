"""Agent runs in background tasks: leases in PostgreSQL, per-run event buffers, cancel, reattach.

A run is owned by the replica that accepted the message. Its events go to an in-memory buffer
that any number of SSE responses follow; a client disconnect only detaches its response.
The chat's lease row (one per chat) makes "one run per chat" hold across replicas, carries the
cancel flag, and is renewed by a heartbeat so a crashed replica's lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
import structlog
from agno.agent import (
    Agent,
    RunCancelledEvent,
    RunCompletedEvent,
    RunContentEvent,
    RunErrorEvent,
)
from agno.models.openai import OpenAILike
from agno.run.agent import RunInput, RunOutput
from agno.run.base import RunStatus
from openai import AsyncOpenAI

from parley_chat import llm
from parley_chat.config import Settings
from parley_chat.db import ChatDb, Queries, RunRow
from parley_chat.observability import Metrics

log = structlog.get_logger("parley_chat.runs")

AGENT_ID = "parley"
AGENT_NAME = "Parley"
CANCEL_CHANNEL = "parley_run_cancel"


class ChatNotFound(Exception):
    """No such chat for this user (also: someone else's chat)."""


class ChatBusy(Exception):
    """A run is already in flight for this chat."""


class RunNotActive(Exception):
    """The run exists but has already finished."""


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class SseEvent:
    """One server-sent event; ``id`` is numeric (see :class:`RunState`)."""

    id: int
    event: str
    data: dict[str, Any]

    def encode(self) -> bytes:
        payload = orjson.dumps(self.data)
        return b"id: %d\nevent: %s\ndata: %s\n\n" % (self.id, self.event.encode(), payload)


KEEPALIVE = b": keep-alive\n\n"
Batch = list[SseEvent] | None


def assistant_message(run_id: str, content: str, status: str, created_at: float) -> dict[str, Any]:
    return {
        "id": f"{run_id}:assistant",
        "role": "assistant",
        "content": content,
        "status": status,
        "created_at": iso(created_at),
    }


def stored_events(row: RunRow, after: int = -1) -> list[SseEvent]:
    """The events of a finished run after id ``after``, rebuilt from its stored row.

    Ids match the live ones (delta id = text offset), so a client that saw part of the reply
    gets exactly the rest.
    """
    text = display_content(row)
    events = [SseEvent(0, "run.started", {"run_id": row.run_id})]
    if text:
        events.append(SseEvent(len(text), "message.delta", {"text": text[max(after, 0) :]}))
    end = len(text) + 1
    status = (row.status or "").upper()
    events = [e for e in events if e.id > after]
    if status == "COMPLETED":
        message = assistant_message(row.run_id, text, "completed", row.updated_at)
        events.append(SseEvent(end, "run.completed", {"run_id": row.run_id, "message": message}))
    elif status == "CANCELLED":
        events.append(SseEvent(end, "run.cancelled", {"run_id": row.run_id}))
    else:
        code = row.error_code or llm.LLM_ERROR
        if code not in llm.ERROR_MESSAGES:
            code = llm.LLM_ERROR
        events.append(
            SseEvent(
                end,
                "run.error",
                {"run_id": row.run_id, "code": code, "message": llm.ERROR_MESSAGES[code]},
            )
        )
    return events


def display_content(row: RunRow) -> str:
    """Reply text shown to users; unfinished runs only show text we stored ourselves."""
    status = (row.status or "").upper()
    if status == "COMPLETED":
        return row.content or ""
    # agno writes the provider's error text (or a cancel reason) into content when there was
    # no partial reply; only our own fix-up (partial text) is safe to show.
    return (row.content or "") if row.fixed else ""


def is_finished(row: RunRow) -> bool:
    return (row.status or "").upper() in {"COMPLETED", "CANCELLED", "ERROR"}


@dataclass
class RunState:
    """A live run's event buffer. Event ids: 0 = started, deltas = text offset, end = len + 1."""

    run_id: str
    chat_id: str
    user_id: str
    content: str
    started_at: float = field(default_factory=time.time)
    events: list[SseEvent] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    offset: int = 0
    done: bool = False
    finishing: bool = False
    missed_heartbeats: int = 0
    outcome: str | None = None
    cancel_requested: bool = False
    untitled: bool = False
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


class RunManager:
    """Starts, tracks, cancels and reattaches runs of this process."""

    def __init__(
        self,
        settings: Settings,
        db: ChatDb,
        queries: Queries,
        client: AsyncOpenAI,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.db = db
        self.queries = queries
        self.client = client
        self.metrics = metrics
        self.owner = uuid.uuid4().hex
        self.runs: dict[str, RunState] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._listener_task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._heartbeat_task = asyncio.create_task(self._heartbeat())
        self._listener_task = asyncio.create_task(self._listen())
        # Be listening for cancels before taking traffic; a down database only delays this.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                await self.listening.wait()

    async def stop(self) -> None:
        running = [s.task for s in self.runs.values() if s.task and not s.task.done()]
        if running:
            await asyncio.wait(running, timeout=self.settings.SHUTDOWN_GRACE_SECONDS)
        for state in list(self.runs.values()):
            if not state.done:
                await self._cancel_local(state, grace=0.5)
        running = [s.task for s in self.runs.values() if s.task and not s.task.done()]
        if running:
            await asyncio.wait(running, timeout=5)
        for task in (self._heartbeat_task, self._listener_task, *self._background):
            if task is not None:
                task.cancel()
        for task in (self._heartbeat_task, self._listener_task, *self._background):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    # -- starting a run ----------------------------------------------------------------------
    def _agent(self, user_id: str, chat_id: str) -> Agent:
        s = self.settings
        model = OpenAILike(
            id=s.LLM_MODEL,
            api_key=s.LLM_API_KEY or "not-needed",
            base_url=s.LLM_BASE_URL,
            timeout=s.LLM_TIMEOUT_SECONDS,
            max_retries=s.LLM_MAX_RETRIES,
            async_client=self.client,
        )
        return Agent(
            id=AGENT_ID,
            name=AGENT_NAME,
            model=model,
            db=self.db,
            user_id=user_id,
            session_id=chat_id,
            system_message=s.SYSTEM_PROMPT or None,
            add_history_to_context=s.HISTORY_RUNS > 0,
            # +1: this turn's own RUNNING row (no messages yet) is the last run agno reads.
            num_history_runs=s.HISTORY_RUNS + 1 if s.HISTORY_RUNS > 0 else None,
            telemetry=False,
        )

    async def start_run(self, chat_id: str, user_id: str, content: str) -> RunState:
        """Take the chat's lease (ownership checked in the same statement) and start the run."""
        run_id = str(uuid.uuid4())
        now = int(time.time())
        pending = RunOutput(
            run_id=run_id,
            session_id=chat_id,
            agent_id=AGENT_ID,
            agent_name=AGENT_NAME,
            user_id=user_id,
            status=RunStatus.running,
            input=RunInput(input_content=content),
            created_at=now,
        )
        owned, acquired, untitled = await self.queries.acquire_lease(
            chat_id,
            user_id,
            run_id,
            self.owner,
            self.settings.RUN_LEASE_SECONDS,
            agent_id=AGENT_ID,
            run_data=orjson.dumps(pending.to_dict()).decode(),
            now=now,
        )
        if not owned:
            raise ChatNotFound
        if not acquired:
            raise ChatBusy
        state = RunState(run_id=run_id, chat_id=chat_id, user_id=user_id, content=content)
        state.untitled = untitled
        state.publish(SseEvent(0, "run.started", {"run_id": run_id}))
        self.runs[run_id] = state
        self.metrics.runs_started.inc()
        self.metrics.runs_active.inc()
        state.task = asyncio.create_task(self._execute(state))
        return state

    async def _execute(self, state: RunState) -> None:
        outcome = llm.LlmOutcome()
        llm.current_outcome.set(outcome)
        bound = log.bind(run_id=state.run_id, chat_id=state.chat_id)
        start = time.perf_counter()
        first_token = True
        try:
            agent = self._agent(state.user_id, state.chat_id)
            stream = agent.arun(
                state.content,
                stream=True,
                stream_events=True,
                user_id=state.user_id,
                session_id=state.chat_id,
                run_id=state.run_id,
            )
            async for event in stream:
                if state.done:
                    continue
                if isinstance(event, RunContentEvent):
                    text = event.content
                    if isinstance(text, str) and text:
                        if first_token:
                            first_token = False
                            self.metrics.time_to_first_token.observe(time.perf_counter() - start)
                        state.add_text(text)
                elif isinstance(event, RunErrorEvent):
                    await self._end_failed(state, outcome.code or llm.LLM_ERROR)
                elif isinstance(event, RunCancelledEvent):
                    await self._end_cancelled(state)
                elif isinstance(event, RunCompletedEvent):
                    await self._end_completed(state)
            if not state.done:
                # The stream ended without a terminal event: treat as a failure, never hang.
                await self._end_failed(state, outcome.code or llm.LLM_ERROR)
        except asyncio.CancelledError:
            # A forced cancel (stuck model call) or shutdown: agno stores the run as cancelled
            # on a detached task; wait for that row, then fix it up like a normal cancel.
            if not state.done:
                await asyncio.shield(self._end_cancelled(state, wait_for_row=True))
            raise
        except Exception as exc:
            bound.error("run_crashed", error=type(exc).__name__)
            if not state.done:
                await self._end_failed(state, llm.INTERNAL_ERROR)
        finally:
            self.db.saved.pop(state.run_id, None)
            self.metrics.runs_active.dec()
            if not state.done:  # pragma: no cover - defensive
                state.finish("run.error", _error_payload(state.run_id, llm.INTERNAL_ERROR))
            bound.info(
                "run_finished",
                outcome=state.outcome,
                chars=state.offset,
                duration_ms=round((time.perf_counter() - start) * 1000, 1),
            )
            self._spawn(self._forget_later(state))

    async def _release(self, state: RunState) -> None:
        """Drop the chat's lease when agno's final save did not (it failed or never came)."""
        try:
            await self.queries.release_lease(state.run_id)
        except Exception as exc:
            log.warning("lease_release_failed", run_id=state.run_id, error=type(exc).__name__)
            # Retry in the background so the chat unblocks soon after the database is back
            # (the lease would otherwise hold until it expires).
            self._spawn(self._release_later(state.run_id))

    async def _release_later(self, run_id: str) -> None:
        for _ in range(int(self.settings.RUN_LEASE_SECONDS) + 1):
            await asyncio.sleep(1.0)
            try:
                await self.queries.release_lease(run_id)
                return
            except Exception:  # noqa: S112 - still down: try again, the lease expires anyway
                continue

    async def _settle(self, state: RunState, expected: str) -> bool:
        """Whether agno stored the run as ``expected``; if it did not, free the chat ourselves.

        agno's terminal save releases the lease through a trigger (same transaction), so the
        usual path costs no query here.
        """
        state.finishing = True
        saved = self.db.saved.pop(state.run_id, None)
        if saved == expected:
            return True
        await self._release(state)
        return False

    async def _end_completed(self, state: RunState) -> None:
        if not await self._settle(state, "COMPLETED"):
            # agno swallows storage errors: a reply the database did not keep must not be
            # reported as completed (the client would trust it and it would be gone on reload).
            log.error("run_not_stored", run_id=state.run_id)
            self.metrics.runs_failed.labels(llm.STORAGE_ERROR).inc()
            state.finish("run.error", _error_payload(state.run_id, llm.STORAGE_ERROR))
            return
        self.metrics.runs_completed.inc()
        message = assistant_message(state.run_id, state.text, "completed", time.time())
        state.finish("run.completed", {"run_id": state.run_id, "message": message})
        if state.untitled and self.settings.TITLE_GENERATION:
            self._spawn(self._title(state.chat_id, state.content))

    async def _end_failed(self, state: RunState, code: str) -> None:
        await self._fixup(state, code)
        await self._settle(state, "ERROR")
        self.metrics.runs_failed.labels(code).inc()
        state.finish("run.error", _error_payload(state.run_id, code))

    async def _end_cancelled(self, state: RunState, wait_for_row: bool = False) -> None:
        await self._fixup(state, "cancelled", wait_for_row=wait_for_row)
        await self._settle(state, "CANCELLED")
        self.metrics.runs_cancelled.inc()
        state.finish("run.cancelled", {"run_id": state.run_id})

    async def _fixup(self, state: RunState, code: str, wait_for_row: bool = False) -> None:
        attempts = 30 if wait_for_row else 1
        for attempt in range(attempts):
            try:
                if await self.queries.fixup_run(state.run_id, state.text, code):
                    return
            except Exception as exc:
                log.warning("run_fixup_failed", run_id=state.run_id, error=type(exc).__name__)
                return
            if attempt + 1 < attempts:
                await asyncio.sleep(0.1)

    async def _forget_later(self, state: RunState) -> None:
        # Keep the buffer a while so a reattaching client gets the exact events.
        await asyncio.sleep(self.settings.RUN_BUFFER_RETENTION_SECONDS)
        self.runs.pop(state.run_id, None)

    async def _title(self, chat_id: str, first_message: str) -> None:
        title = await llm.generate_title(self.client, self.settings, first_message)
        try:
            await self.queries.set_auto_title(chat_id, title or llm.fallback_title(first_message))
        except Exception as exc:
            log.warning("title_failed", chat_id=chat_id, error=type(exc).__name__)

    # -- cancel ------------------------------------------------------------------------------
    async def cancel(self, chat_id: str, user_id: str, run_id: str) -> None:
        """Ask the run to stop wherever it runs; raise ChatNotFound or RunNotActive."""
        state = self.runs.get(run_id)
        if state is not None and state.chat_id == chat_id and state.user_id == user_id:
            if state.done:
                raise RunNotActive
            await self._cancel_local(state)
            return
        if await self.queries.request_cancel(chat_id, user_id, run_id):
            return
        if await self.queries.get_run(chat_id, user_id, run_id) is not None:
            raise RunNotActive
        raise ChatNotFound

    async def _cancel_local(self, state: RunState, grace: float = 3.0) -> None:
        if state.done or state.cancel_requested:
            return
        state.cancel_requested = True
        # agno notices its cancel flag between chunks; a model call stuck before its first
        # chunk would not, so the task itself is cancelled after a grace period.
        await Agent.acancel_run(state.run_id)
        self._spawn(self._force_cancel(state, grace))

    async def _force_cancel(self, state: RunState, grace: float) -> None:
        await asyncio.sleep(grace)
        if state.done or state.finishing or state.run_id in self.db.saved:
            return  # it ended (or agno is saving its end) meanwhile
        if state.task is not None and not state.task.done():
            state.task.cancel()

    # -- reattach ----------------------------------------------------------------------------
    async def events(
        self, chat_id: str, user_id: str, run_id: str, after: int
    ) -> AsyncIterator[Batch]:
        """The run's events after ``after``; raises ChatNotFound before the stream starts."""
        state = self.runs.get(run_id)
        if state is not None and state.chat_id == chat_id and state.user_id == user_id:
            return state.follow(after, self.settings.SSE_KEEPALIVE_SECONDS)
        row = await self.queries.get_run(chat_id, user_id, run_id)
        if row is not None and is_finished(row):
            return _replay(stored_events(row, after))
        lease = await self.queries.lease_of(chat_id, user_id, run_id)
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
            lease = await self.queries.lease_of(chat_id, user_id, run_id)
            if lease is None or not lease[1]:
                # Give the owner a moment to write its final row after dropping the lease.
                await asyncio.sleep(interval)
                row = await self.queries.get_run(chat_id, user_id, run_id)
                if row is not None and is_finished(row):
                    yield stored_events(row, after)
                    return
                lost = [
                    SseEvent(0, "run.started", {"run_id": run_id}),
                    SseEvent(1, "run.error", _error_payload(run_id, llm.RUN_LOST)),
                ]
                yield [e for e in lost if e.id > after]
                return
            await asyncio.sleep(interval)
            waited += interval
            if waited >= self.settings.SSE_KEEPALIVE_SECONDS:
                waited = 0.0
                yield None

    # -- cross-replica signals ---------------------------------------------------------------
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
        live = [s for s in self.runs.values() if not s.done]
        if not live:
            return
        renewed = await self.queries.renew_leases(
            self.owner, [s.run_id for s in live], self.settings.RUN_LEASE_SECONDS
        )
        for state in live:
            if state.done or state.finishing or state.run_id in self.db.saved:
                continue  # agno has saved its end (which also drops the lease)
            flag = renewed.get(state.run_id)
            if flag is None:
                # No lease: the chat was deleted (its NOTIFY may have been missed) or the
                # lease was lost. Twice in a row, so a run ending right now is not hit.
                state.missed_heartbeats += 1
                if state.missed_heartbeats >= 2:
                    await self._cancel_local(state)
            elif flag:
                await self._cancel_local(state)
            else:
                state.missed_heartbeats = 0

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
                        state = self.runs.get(notify.payload)
                        if state is not None and not state.done:
                            await self._cancel_local(state)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.listening.clear()
                log.warning("cancel_listener_failed", error=type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)


def _error_payload(run_id: str, code: str) -> dict[str, Any]:
    return {"run_id": run_id, "code": code, "message": llm.ERROR_MESSAGES[code]}


async def _replay(events: list[SseEvent]) -> AsyncIterator[Batch]:
    yield events
