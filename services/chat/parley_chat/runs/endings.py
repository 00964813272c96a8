"""How a run ends: our fix-up of its stored row, agno's final save checked, the chat freed."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import NamedTuple

import structlog
from parley_common.background import BackgroundWork

from parley_chat import llm
from parley_chat.catalog import CatalogView, ModelEntry, ProviderEntry
from parley_chat.config import Settings
from parley_chat.observability import Metrics
from parley_chat.providers import ProviderClients
from parley_chat.runs.events import assistant_message, error_payload
from parley_chat.runs.leases import LeaseKeeper
from parley_chat.runs.live import LiveRun
from parley_chat.storage import ChatQueries, FinalSaves, LedgerQueries, ModelCall

log = structlog.get_logger("parley_chat.runs")


class TitleModel(NamedTuple):
    """The model that names chats, and its provider (from one catalog snapshot)."""

    model: ModelEntry
    provider: ProviderEntry


class RunEndings:
    """Publishes a run's one end after making sure storage and the lease agree with it."""

    def __init__(
        self,
        settings: Settings,
        queries: ChatQueries,
        ledger: LedgerQueries,
        final_saves: FinalSaves,
        leases: LeaseKeeper,
        catalog: CatalogView,
        clients: ProviderClients,
        metrics: Metrics,
        background: BackgroundWork,
    ) -> None:
        self.settings = settings
        self.queries = queries
        self.ledger = ledger
        self.final_saves = final_saves
        self.leases = leases
        self.catalog = catalog
        self.clients = clients
        self.metrics = metrics
        self.background = background

    async def completed(self, run: LiveRun) -> None:
        if not await self._settle(run, "COMPLETED"):
            # agno swallows storage errors: a reply the database did not keep must not be
            # reported as completed (the client would trust it and it would be gone on reload).
            log.error("run_not_stored", run_id=run.run_id)
            self.metrics.runs_failed.labels(llm.STORAGE_ERROR).inc()
            run.finish("run.error", error_payload(run.run_id, llm.STORAGE_ERROR))
            return
        self.metrics.runs_completed.inc()
        message = assistant_message(run.run_id, run.text, "completed", time.time())
        run.finish("run.completed", {"run_id": run.run_id, "message": message})
        if run.untitled and self.settings.TITLE_GENERATION:
            self.background.spawn(self._title(run), "title")

    async def failed(self, run: LiveRun, code: str) -> None:
        await self._fixup(run, code)
        await self._settle(run, "ERROR")
        self.metrics.runs_failed.labels(code).inc()
        run.finish("run.error", error_payload(run.run_id, code))

    async def cancelled(self, run: LiveRun, wait_for_row: bool = False) -> None:
        await self._fixup(run, "cancelled", wait_for_row=wait_for_row)
        await self._settle(run, "CANCELLED")
        self.metrics.runs_cancelled.inc()
        run.finish("run.cancelled", {"run_id": run.run_id})

    def forget_save(self, run: LiveRun) -> None:
        self.final_saves.discard(run.run_id)

    async def _settle(self, run: LiveRun, expected: str) -> bool:
        """Whether agno stored the run as ``expected``; if it did not, free the chat ourselves.

        agno's terminal save releases the lease through a trigger (same transaction), so the
        usual path costs no query here.
        """
        run.finishing = True
        if self.final_saves.take(run.run_id) == expected:
            return True
        await self.leases.release(run.run_id)
        return False

    async def _fixup(self, run: LiveRun, code: str, wait_for_row: bool = False) -> None:
        attempts = 30 if wait_for_row else 1
        for attempt in range(attempts):
            try:
                if await self.queries.fixup_run(run.run_id, run.text, code):
                    return
            except Exception as exc:
                log.warning("run_fixup_failed", run_id=run.run_id, error=type(exc).__name__)
                return
            if attempt + 1 < attempts:
                await asyncio.sleep(0.1)

    def title_model(self) -> TitleModel | None:
        """TITLE_MODEL when it is usable, else the catalog's default, with its provider
        (titles are the service's own requests: the user's groups do not apply)."""
        snapshot = self.catalog.current
        wanted = self.settings.TITLE_MODEL
        model = snapshot.models.get(wanted) if wanted else None
        if model is None or not snapshot.usable(model):
            model = snapshot.default_model
        if model is None:
            return None
        return TitleModel(model, snapshot.providers[model.provider_id])

    async def _title(self, run: LiveRun) -> None:
        # This task copied the run's context: its request is not the run's (the run's end
        # closes the run's streams, and a title's failure is not the reply's).
        llm.current_outcome.set(None)
        title = None
        chosen = self.title_model()
        if chosen is not None:
            client = self.clients.client_for(chosen.provider)
            started = datetime.now(UTC)
            answer = await llm.generate_title(client, chosen.model.upstream, run.content)
            title = answer.title
            if answer.used is not None:
                await self._record_title(run, chosen, answer.used, started)
        try:
            await self.queries.set_auto_title(run.chat_id, title or llm.fallback_title(run.content))
        except Exception as exc:
            log.warning("title_failed", chat_id=run.chat_id, error=type(exc).__name__)

    async def _record_title(
        self, run: LiveRun, chosen: TitleModel, used: llm.TokensUsed, started: datetime
    ) -> None:
        """A title is charged to the chat's user like its turn (not admitted: it is small and
        follows a reply that was)."""
        model = chosen.model
        try:
            await self.ledger.record(
                ModelCall(
                    user_id=run.user_id,
                    groups=run.groups,
                    model=model.id,
                    provider=model.provider_id,
                    kind="title",
                    source=run.source,
                    api_key_id=run.api_key_id,
                    run_id=run.run_id,
                    input_tokens=used.input_tokens,
                    output_tokens=used.output_tokens,
                    estimated=used.estimated,
                    input_price=model.input_price_per_million,
                    output_price=model.output_price_per_million,
                    started_at=started,
                )
            )
        except Exception as exc:
            log.warning("title_usage_not_recorded", run_id=run.run_id, error=type(exc).__name__)
