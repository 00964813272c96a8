"""An /api/v1 call's usage: admitted (its worst case held) before the provider is called,
settled exactly once after, however the call ends."""

from __future__ import annotations

import asyncio
import uuid

import structlog

from parley_chat.catalog import ModelEntry
from parley_chat.config import Settings
from parley_chat.storage.usage_ledger import CallAdmission, LedgerQueries
from parley_chat.tokens import Principal
from parley_chat.usage import UsageRecord, UsageRefused, call_plan, record_usage

log = structlog.get_logger("parley_chat.usage")


class Meters:
    """Admits /api/v1 calls; the holds of the calls in flight are renewed by the lease
    heartbeat (``holds`` is the LeaseKeeper's set)."""

    def __init__(self, settings: Settings, ledger: LedgerQueries, holds: set[str]) -> None:
        self.settings = settings
        self.ledger = ledger
        self.holds = holds

    async def admit(
        self, caller: Principal, model: ModelEntry, input_tokens: int, output_tokens: int
    ) -> CallMeter:
        """Hold the call's worst case (its messages as counted, ``max_tokens`` out); raises
        UsageRefused (a 429) before any model call."""
        s = self.settings
        hold_id = "api-" + uuid.uuid4().hex
        refusal = await self.ledger.admit(
            CallAdmission(
                hold_id=hold_id,
                user_id=caller.user_id,
                groups=tuple(sorted(caller.groups)),
                model=model.id,
                plan=call_plan(model, input_tokens, output_tokens),
                api_key_id=caller.api_key_id,
                ttl=s.RUN_LEASE_SECONDS,
                max_in_flight=s.USER_REPLIES_IN_FLIGHT,
                max_per_minute=s.USER_TURNS_PER_MINUTE,
            )
        )
        if refusal is not None:
            raise UsageRefused(refusal, s.USAGE_CURRENCY)
        self.holds.add(hold_id)
        return CallMeter(self, hold_id)


class CallMeter:
    """One admitted call; ``settle`` records what it used (the first call only)."""

    def __init__(self, meters: Meters, hold_id: str) -> None:
        self.meters = meters
        self.hold_id = hold_id
        self.settled = False

    async def settle(self, record: UsageRecord) -> None:
        if self.settled:
            return
        self.settled = True
        record_usage(record)
        try:
            # Shielded: a client gone mid-stream cancels the response, not the ledger's row.
            await asyncio.shield(
                self.meters.ledger.settle(
                    self.hold_id, record.input_tokens, record.output_tokens, record.estimated
                )
            )
        except Exception as exc:  # the hold expires on its own; the call is not failed for it
            log.warning("usage_settle_failed", hold_id=self.hold_id, error=type(exc).__name__)
        finally:
            self.meters.holds.discard(self.hold_id)
