"""The run-lease table: one reply in flight per chat across replicas, and its cancel flag."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley_chat.storage.schema import (
    CANCEL_CHANNEL,
    LEASES,
    RUNS,
    SESSIONS,
    USAGE_HOLDS,
    checked_schema,
)


class LeaseAttempt(NamedTuple):
    """What taking a chat's lease found out, in the same statement."""

    chat_found: bool  # the chat exists and belongs to the user
    acquired: bool  # no other reply is in flight: this run holds the lease now
    chat_untitled: bool  # the chat has no title yet (the first reply names it)
    # The turn's model: the one asked for, else the chat's, else the default (None when the
    # chat was not found); not among the models allowed, nothing was taken or stored.
    model: str | None
    model_accepted: bool
    # Why usage admission refused the turn (parley_admit's answer), None when admitted or
    # not asked (no chat, model refused). Admitted but busy: the hold is the caller's to drop.
    refusal: dict[str, Any] | None = None


class TurnModelChoice(NamedTuple):
    """What the lease statement needs to choose a turn's model (decided in memory before)."""

    requested: str | None  # the model the message asked for, else the chat's is used
    default: str | None  # for a chat without a model
    allowed: tuple[str, ...]  # the models the turn may run on (the user's, that fit it)


class TurnAdmission(NamedTuple):
    """What usage admission needs, in the lease statement (see 0006_usage.sql)."""

    groups: tuple[str, ...]  # the caller's groups (group budgets)
    plan: str  # JSON: each allowed model's worst case and prices (usage.turn_plan)
    source: str  # "web" | "api"
    api_key_id: str | None
    max_in_flight: int  # USER_REPLIES_IN_FLIGHT (0: off)
    max_per_minute: int  # USER_TURNS_PER_MINUTE (0: off)


class Lease(NamedTuple):
    owner: str  # the replica running the reply
    live: bool  # not expired


class LeaseQueries:
    """Our SQL on the lease table, built once per app with the configured schema."""

    def __init__(self, engine: AsyncEngine, schema: str) -> None:
        self.engine = engine
        schema = checked_schema(schema)
        s, r, lt = f"{schema}.{SESSIONS}", f"{schema}.{RUNS}", f"{schema}.{LEASES}"
        holds = f"{schema}.{USAGE_HOLDS}"
        self._acquire = text(
            f"WITH owned AS (SELECT session_id, "  # noqa: S608
            "COALESCE(session_data->>'session_name', '') = '' AS untitled, "
            # The chat's model is only known here: choosing it in this statement costs no
            # round trip; the caller says which models the turn may run on.
            "COALESCE(CAST(:requested AS text), NULLIF(session_data->>'parley_model', ''), "
            "CAST(:default_model AS text)) AS model "
            f"FROM {s} WHERE session_id = :id AND user_id = :uid), "
            "chosen AS (SELECT session_id, model FROM owned "
            "WHERE model = ANY(CAST(:allowed AS text[]))), "
            # Usage admission (budgets, per-user limits) for the chosen model, holding its
            # worst case: in this statement, so it costs no round trip before the first token.
            f"admit AS (SELECT {schema}.parley_admit(:rid, :uid, CAST(:groups AS text[]), "
            "model, CAST(:plan AS jsonb), 'turn', :source, CAST(:api_key AS uuid), :ttl, "
            ":max_in_flight, :max_per_minute, :id) AS refusal FROM chosen), "
            f"ins AS (INSERT INTO {lt} AS l (session_id, run_id, user_id, owner, expires_at) "
            "SELECT session_id, :rid, :uid, :owner, now() + make_interval(secs => :ttl) "
            "FROM chosen WHERE EXISTS (SELECT 1 FROM admit WHERE refusal IS NULL) "
            "ON CONFLICT (session_id) DO UPDATE SET run_id = EXCLUDED.run_id, "
            "user_id = EXCLUDED.user_id, owner = EXCLUDED.owner, "
            "expires_at = EXCLUDED.expires_at, cancel_requested = false "
            "WHERE l.expires_at < now() RETURNING 1), "
            # The turn is stored as a RUNNING agno run right away (as agno's own background
            # mode does), so the user's message survives a replica dying mid-reply; agno's
            # final save of the same run_id overwrites it.
            f"run AS (INSERT INTO {r} (run_id, session_id, run_type, agent_id, user_id, status, "
            "run_index, run_data, created_at, updated_at) "
            f"SELECT :rid, :id, 'agent', :agent_id, :uid, 'RUNNING', (SELECT COALESCE("
            f"max(run_index) + 1, 0) FROM {r} WHERE session_id = :id), "
            "CAST(:run_data AS jsonb) || jsonb_build_object('metadata', "
            "jsonb_build_object('parley_model', (SELECT model FROM chosen))), :now, :now "
            "WHERE EXISTS (SELECT 1 FROM ins) RETURNING 1) "
            "SELECT (SELECT count(*) FROM owned) AS chat_found, "
            "(SELECT count(*) FROM ins) AS acquired, "
            "COALESCE((SELECT untitled FROM owned), false) AS chat_untitled, "
            "(SELECT model FROM owned) AS model, "
            "(SELECT count(*) FROM chosen) AS model_accepted, "
            "(SELECT refusal FROM admit) AS refusal, "
            "(SELECT count(*) FROM run), "
            # This commit is on the way to the first token: it need not wait for the WAL
            # flush. Only a PostgreSQL crash could lose it (a lease, and a RUNNING row that the
            # reply's final, normally committed save writes again).
            "set_config('synchronous_commit', 'off', true)"
        )
        self._release = text(f"DELETE FROM {lt} WHERE run_id = :rid")  # noqa: S608
        self._drop_hold = text(f"DELETE FROM {holds} WHERE id = :rid")  # noqa: S608
        # The holds of this replica's calls in flight live as long as their leases.
        self._renew = text(
            f"WITH held AS (UPDATE {holds} SET expires_at = now() + "  # noqa: S608
            "make_interval(secs => :ttl) WHERE id = ANY(:hids)) "
            f"UPDATE {lt} SET expires_at = now() + make_interval(secs => :ttl) "
            "WHERE owner = :owner AND run_id = ANY(:rids) RETURNING run_id, cancel_requested"
        )
        self._cancel = text(
            f"WITH u AS (UPDATE {lt} SET cancel_requested = true "  # noqa: S608
            "WHERE session_id = :id AND run_id = :rid AND user_id = :uid AND expires_at > now() "
            f"RETURNING run_id) SELECT pg_notify('{CANCEL_CHANNEL}', run_id) FROM u"
        )
        self._lease_of = text(
            f"SELECT owner, expires_at > now() AS live FROM {lt} "  # noqa: S608
            "WHERE session_id = :id AND run_id = :rid AND user_id = :uid"
        )

    async def acquire(
        self,
        chat_id: str,
        user_id: str,
        run_id: str,
        owner: str,
        ttl: float,
        *,
        agent_id: str,
        run_data: str,
        now: int,
        models: TurnModelChoice,
        admission: TurnAdmission,
    ) -> LeaseAttempt:
        """Check ownership, choose the model, admit its usage, take the chat's lease and store
        the RUNNING run, atomically."""
        params = {
            "groups": list(admission.groups),
            "plan": admission.plan,
            "source": admission.source,
            "api_key": admission.api_key_id,
            "max_in_flight": admission.max_in_flight,
            "max_per_minute": admission.max_per_minute,
            "requested": models.requested,
            "default_model": models.default,
            "allowed": list(models.allowed),
            "id": chat_id,
            "uid": user_id,
            "rid": run_id,
            "owner": owner,
            "ttl": ttl,
            "agent_id": agent_id,
            "run_data": run_data,
            "now": now,
        }
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._acquire, params)).one()
        return LeaseAttempt(
            chat_found=bool(row.chat_found),
            acquired=bool(row.acquired),
            chat_untitled=bool(row.chat_untitled),
            model=row.model,
            model_accepted=bool(row.model_accepted),
            refusal=row.refusal,
        )

    async def release(self, run_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(self._release, {"rid": run_id})

    async def drop_hold(self, run_id: str) -> None:
        """Drop the usage hold of a turn that was admitted but found its chat busy."""
        async with self.engine.begin() as conn:
            await conn.execute(self._drop_hold, {"rid": run_id})

    async def renew(
        self, owner: str, run_ids: list[str], ttl: float, hold_ids: list[str] | None = None
    ) -> dict[str, bool]:
        """Extend this owner's leases and the usage holds of its calls in flight (the runs'
        and ``hold_ids``); run id -> cancel requested, for each lease still held."""
        params = {"owner": owner, "rids": run_ids, "ttl": ttl, "hids": run_ids + (hold_ids or [])}
        async with self.engine.begin() as conn:
            rows = (await conn.execute(self._renew, params)).fetchall()
        return {row.run_id: bool(row.cancel_requested) for row in rows}

    async def request_cancel(self, chat_id: str, user_id: str, run_id: str) -> bool:
        """Flag the run's live lease and notify its replica; False if no such live lease."""
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(self._cancel, {"id": chat_id, "uid": user_id, "rid": run_id})
            ).fetchall()
        return bool(rows)

    async def lease_of(self, chat_id: str, user_id: str, run_id: str) -> Lease | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(self._lease_of, {"id": chat_id, "uid": user_id, "rid": run_id})
            ).fetchone()
        return Lease(str(row.owner), bool(row.live)) if row else None
