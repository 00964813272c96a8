"""Drive one agno agent run and turn its events into the live run's events."""

from __future__ import annotations

import asyncio
import time

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

from parley_chat import llm
from parley_chat.config import Settings
from parley_chat.context_window import turn_budget
from parley_chat.observability import Metrics
from parley_chat.providers import ProviderClients
from parley_chat.runs.endings import RunEndings
from parley_chat.runs.events import error_payload
from parley_chat.runs.live import LiveRun
from parley_chat.runs.models import TurnModel
from parley_chat.storage import ChatDb

log = structlog.get_logger("parley_chat.runs")

AGENT_ID = "parley"
AGENT_NAME = "Parley"


def pending_run(run_id: str, chat_id: str, user_id: str, content: str, now: int) -> RunOutput:
    """The turn as agno stores a RUNNING run, written when the chat's lease is taken (which
    adds the chosen model to its metadata)."""
    return RunOutput(
        run_id=run_id,
        session_id=chat_id,
        agent_id=AGENT_ID,
        agent_name=AGENT_NAME,
        user_id=user_id,
        status=RunStatus.running,
        input=RunInput(input_content=content),
        created_at=now,
    )


class AgentDriver:
    """Runs the agent for a live run and publishes its text and its end."""

    def __init__(
        self,
        settings: Settings,
        db: ChatDb,
        clients: ProviderClients,
        endings: RunEndings,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clients = clients
        self.endings = endings
        self.metrics = metrics

    def agent(self, user_id: str, chat_id: str, turn: TurnModel) -> Agent:
        s = self.settings
        provider = turn.provider
        model = OpenAILike(
            id=turn.model.upstream,
            api_key=provider.api_key or "not-needed",
            base_url=provider.base_url,
            timeout=provider.timeout_seconds,
            max_retries=provider.max_retries,
            # The room the history budget keeps for the reply in the model's window.
            max_tokens=turn.model.max_output_tokens,
            # The provider's own client: its pool, timeouts, retries and error codes.
            async_client=self.clients.client_for(provider),
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

    async def drive(self, run: LiveRun, turn: TurnModel) -> None:
        """The whole run: agno's stream to live events, then exactly one end."""
        outcome = llm.LlmOutcome()
        # The HTTP transport marks the first failure here, as a stable code (llm.py).
        llm.current_outcome.set(outcome)
        # The history read agno makes in this task keeps what fits this model's window.
        turn_budget.set(turn.budget)
        bound = log.bind(run_id=run.run_id, chat_id=run.chat_id, model=turn.model.id)
        start = time.perf_counter()
        first_token = True
        try:
            stream = self.agent(run.user_id, run.chat_id, turn).arun(
                run.content,
                stream=True,
                stream_events=True,
                user_id=run.user_id,
                session_id=run.chat_id,
                run_id=run.run_id,
                # Stored on the run: the catalog id that answered (GET /api/chats/{id}).
                metadata={"parley_model": turn.model.id},
            )
            async for event in stream:
                if run.done:
                    continue
                if isinstance(event, RunContentEvent):
                    text = event.content
                    if isinstance(text, str) and text:
                        if first_token:
                            first_token = False
                            self.metrics.time_to_first_token.observe(time.perf_counter() - start)
                        run.add_text(text)
                elif isinstance(event, RunErrorEvent):
                    # agno does not raise on LLM errors: the error event (and status) says so.
                    await self.endings.failed(run, outcome.code or llm.LLM_ERROR)
                elif isinstance(event, RunCancelledEvent):
                    await self.endings.cancelled(run)
                elif isinstance(event, RunCompletedEvent):
                    await self.endings.completed(run)
            if not run.done:
                # The stream ended without a terminal event: treat as a failure, never hang.
                await self.endings.failed(run, outcome.code or llm.LLM_ERROR)
        except asyncio.CancelledError:
            # A forced cancel (stuck model call) or shutdown: agno stores the run as cancelled
            # on a detached task; wait for that row, then fix it up like a normal cancel.
            if not run.done:
                await asyncio.shield(self.endings.cancelled(run, wait_for_row=True))
            raise
        except Exception as exc:
            bound.error("run_crashed", error=type(exc).__name__)
            if not run.done:
                await self.endings.failed(run, llm.INTERNAL_ERROR)
        finally:
            # agno may stop reading a cancelled run's stream without closing it.
            await outcome.close_streams()
            self.endings.forget_save(run)
            self.metrics.runs_active.dec()
            if not run.done:  # pragma: no cover - defensive
                run.finish("run.error", error_payload(run.run_id, llm.INTERNAL_ERROR))
            bound.info(
                "run_finished",
                outcome=run.outcome,
                chars=run.offset,
                duration_ms=round((time.perf_counter() - start) * 1000, 1),
            )
