"""The ledger's writes outside a turn's own statements: /api/v1 calls and chat titles.

A turn is admitted in its lease statement and settled by agno's final save (the trigger of
0006_usage.sql); an /api/v1 call has no lease, so it is admitted and settled here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley_chat.storage.schema import checked_schema


class CallAdmission(NamedTuple):
    """One /api/v1 call to admit (see parley_admit)."""

    hold_id: str
    user_id: str
    groups: tuple[str, ...]
    model: str
    plan: str  # usage.call_plan
    api_key_id: str | None
    ttl: float
    max_in_flight: int
    max_per_minute: int


class ModelCall(NamedTuple):
    """A model call made outside admission (a chat's title), charged to its user."""

    user_id: str
    groups: tuple[str, ...]
    model: str
    provider: str
    kind: str  # "title"
    source: str  # "web" | "api"
    api_key_id: str | None
    run_id: str | None
    input_tokens: int
    output_tokens: int
    estimated: bool
    input_price: float
    output_price: float
    started_at: datetime


class LedgerQueries:
    """Admit and settle an /api/v1 call; record a title's usage."""

    def __init__(self, engine: AsyncEngine, schema: str) -> None:
        self.engine = engine
        schema = checked_schema(schema)
        self._admit = text(
            f"SELECT {schema}.parley_admit(:hid, :uid, CAST(:groups AS text[]), :model, "
            "CAST(:plan AS jsonb), 'api', 'api', CAST(:api_key AS uuid), :ttl, "
            ":max_in_flight, :max_per_minute) AS refusal, "
            # A hold only matters while its call runs: no need to wait for the WAL flush.
            "set_config('synchronous_commit', 'off', true)"
        )
        self._settle = text(
            f"SELECT {schema}.parley_settle(:hid, :input, :output, :estimated, NULL)"
        )
        self._record = text(
            f"SELECT {schema}.parley_record_usage(:uid, CAST(:groups AS text[]), :model, "
            "CAST(:provider AS text), :kind, :source, CAST(:api_key AS uuid), "
            "CAST(:run_id AS text), :input, :output, :estimated, "
            "CAST(:input_price AS numeric), CAST(:output_price AS numeric), :started_at)"
        )

    async def admit(self, call: CallAdmission) -> dict[str, Any] | None:
        """None when admitted (the hold is stored), else parley_admit's refusal."""
        params = call._asdict()
        params["hid"] = params.pop("hold_id")
        params["uid"] = params.pop("user_id")
        params["groups"] = list(call.groups)
        params["api_key"] = params.pop("api_key_id")
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._admit, params)).one()
        refusal: dict[str, Any] | None = row.refusal
        return refusal

    async def settle(
        self, hold_id: str, input_tokens: int, output_tokens: int, estimated: bool
    ) -> None:
        params = {"hid": hold_id, "input": input_tokens, "output": output_tokens}
        async with self.engine.begin() as conn:
            await conn.execute(self._settle, {**params, "estimated": estimated})

    async def record(self, call: ModelCall) -> None:
        params = call._asdict()
        params["uid"] = params.pop("user_id")
        params["groups"] = list(call.groups)
        params["api_key"] = params.pop("api_key_id")
        params["input"] = params.pop("input_tokens")
        params["output"] = params.pop("output_tokens")
        async with self.engine.begin() as conn:
            await conn.execute(self._record, params)
