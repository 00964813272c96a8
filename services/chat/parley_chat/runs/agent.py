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
from openai import AsyncOpenAI

from parley_chat import llm
from parley_chat.config import Settings
from parley_chat.observability import Metrics
from parley_chat.runs.endings import RunEndings
from parley_chat.runs.events import error_payload
from parley_chat.runs.live import LiveRun
from parley_chat.storage import ChatDb

log = structlog.get_logger("parley_chat.runs")

AGENT_ID = "parley"
AGENT_NAME = "Parley"


def pending_run(run_id: str, chat_id: str, user_id: str, content: str, now: int) -> RunOutput:
    """The turn as agno stores a RUNNING run, written when the chat's lease is taken."""
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
        client: AsyncOpenAI,
        endings: RunEndings,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.db = db
        self.client = client
        self.endings = endings
        self.metrics = metrics

    def agent(self, user_id: str, chat_id: str) -> Agent:
        s = self.settings
        model = OpenAILike(
            id=s.LLM_MODEL,
            api_key=s.LLM_API_KEY or "not-needed",
            base_url=s.LLM_BASE_URL,
            timeout=s.LLM_TIMEOUT_SECONDS,
            max_retries=s.LLM_MAX_RETRIES,
            # The room Settings keeps for the reply in the model's context window.
            max_tokens=s.LLM_MAX_TOKENS,
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

    async def drive(self, run: LiveRun) -> None:
        """The whole run: agno's stream to live events, then exactly one end."""
        outcome = llm.LlmOutcome()
        # The HTTP transport marks the first failure here, as a stable code (llm.py).
        llm.current_outcome.set(outcome)
        bound = log.bind(run_id=run.run_id, chat_id=run.chat_id)
        start = time.perf_counter()
        first_token = True
        try:
            stream = self.agent(run.user_id, run.chat_id).arun(
                run.content,
                stream=True,
                stream_events=True,
                user_id=run.user_id,
                session_id=run.chat_id,
                run_id=run.run_id,
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
