"""Budgets: admins' upserts and deletions (each with its audit event), and what each budget
has used and holds now, by the same rules as ``parley_admit`` (0006_usage.sql)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley_chat.storage.audit import AuditEntry, OutboxQueries
from parley_chat.storage.schema import BUDGETS, USAGE_DAILY, USAGE_HOLDS, checked_schema


@dataclass(frozen=True)
class StoredBudget:
    id: str
    scope: str  # 'everyone' | 'user' | 'group'
    scope_id: str  # '' for everyone, a user id, a group id
    period: str  # 'day' | 'month'
    max_tokens: int | None
    max_cost: Decimal | None
    updated_at: datetime
    updated_by: str | None


class BudgetKey(NamedTuple):
    """What identifies a budget: one per scope, scope id and period."""

    scope: str
    scope_id: str
    period: str


class BudgetLimits(NamedTuple):
    max_tokens: int | None
    max_cost: Decimal | None


class BudgetUsage(NamedTuple):
    """A budget and what counts against it in its current period (UTC)."""

    budget: StoredBudget
    resets_at: datetime
    # None: an 'everyone' budget listed for admins (each user has their own usage of it).
    used_tokens: int | None
    used_cost: Decimal | None
    held_tokens: int | None  # the worst case of the calls in flight
    held_cost: Decimal | None


class BudgetChange(NamedTuple):
    before: StoredBudget | None  # None: created
    after: StoredBudget


# How a write describes itself, inside its transaction: (before, after); after None: deleted.
BudgetAudit = Callable[[StoredBudget | None, StoredBudget | None], AuditEntry]

_FIELDS = tuple(StoredBudget.__dataclass_fields__)


def _columns(table: str = "") -> str:
    """The stored columns (``table``'s when qualified), the id as text."""
    return ", ".join(f"{table}{f}::text AS id" if f == "id" else f"{table}{f}" for f in _FIELDS)


_COLUMNS = _columns()


def _stored(row: Any) -> StoredBudget:
    values = row._asdict()
    return StoredBudget(**{f: values[f] for f in _FIELDS})


def _usage_query(daily: str, holds: str, applicable: str) -> str:
    """Each budget ``applicable`` selects (a CTE over ``budgets`` with ``usage_id``: the user
    whose totals count, for user and everyone budgets; NULL: no usage), with its period's
    usage. parley_admit's sums, written so the daily totals' primary key serves them."""
    return (
        "WITH clock AS (SELECT (now() AT TIME ZONE 'UTC')::date AS today), "  # noqa: S608
        f"applicable AS ({applicable}), "
        "periods AS (SELECT a.*, CASE WHEN a.period = 'day' THEN c.today "
        "ELSE date_trunc('month', c.today)::date END AS period_start, "
        "CASE WHEN a.scope = 'group' THEN 'group' ELSE 'user' END AS daily_scope, "
        "CASE WHEN a.scope = 'group' THEN a.scope_id ELSE a.usage_id END AS daily_id "
        "FROM applicable a CROSS JOIN clock c) "
        f"SELECT {_columns('p.')}, "
        "CASE WHEN p.period = 'day' THEN (p.period_start + 1)::timestamp AT TIME ZONE 'UTC' "
        "ELSE (p.period_start + interval '1 month')::timestamp AT TIME ZONE 'UTC' "
        "END AS resets_at, "
        "used.tokens AS used_tokens, used.cost AS used_cost, "
        "held.tokens AS held_tokens, held.cost AS held_cost "
        "FROM periods p "
        "LEFT JOIN LATERAL (SELECT COALESCE(sum(d.tokens), 0) AS tokens, "
        f"COALESCE(sum(d.cost), 0) AS cost FROM {daily} d "
        "WHERE d.scope = p.daily_scope AND d.scope_id = p.daily_id "
        "AND d.day >= p.period_start) used ON p.daily_id IS NOT NULL "
        "LEFT JOIN LATERAL (SELECT COALESCE(sum(h.tokens), 0) AS tokens, "
        f"COALESCE(sum(h.cost), 0) AS cost FROM {holds} h WHERE h.expires_at > now() "
        "AND CASE WHEN p.scope = 'group' THEN p.scope_id = ANY(h.groups) "
        "ELSE h.user_id = p.usage_id END) held ON p.daily_id IS NOT NULL "
        "ORDER BY p.scope, p.scope_id, p.period"
    )


def _with_usage(row: Any) -> BudgetUsage:
    return BudgetUsage(
        _stored(row),
        row.resets_at,
        None if row.used_tokens is None else int(row.used_tokens),
        row.used_cost,
        None if row.held_tokens is None else int(row.held_tokens),
        row.held_cost,
    )


class BudgetQueries:
    """Our SQL on ``parley_budgets``; each write commits once, with its audit event."""

    def __init__(self, engine: AsyncEngine, schema: str, outbox: OutboxQueries) -> None:
        self.engine = engine
        self.outbox = outbox
        schema = checked_schema(schema)
        b, d, h = f"{schema}.{BUDGETS}", f"{schema}.{USAGE_DAILY}", f"{schema}.{USAGE_HOLDS}"
        # The user's budgets, their groups' and 'everyone' for a period they have none of their
        # own for: exactly the budgets parley_admit checks a call of theirs against.
        self._applicable = text(
            _usage_query(
                d,
                h,
                f"SELECT bg.*, CAST(:uid AS text) AS usage_id FROM {b} bg "  # noqa: S608
                "WHERE (bg.scope = 'user' AND bg.scope_id = :uid) "
                "OR (bg.scope = 'group' AND bg.scope_id = ANY(CAST(:groups AS text[]))) "
                "OR (bg.scope = 'everyone' AND NOT EXISTS ("
                f"SELECT 1 FROM {b} own WHERE own.scope = 'user' "
                "AND own.scope_id = :uid AND own.period = bg.period))",
            )
        )
        # As admins list them: a user budget with that user's usage, a group's with the
        # group's, an 'everyone' budget without (each user has their own).
        listed = (
            "SELECT bg.*, CASE WHEN bg.scope = 'user' THEN bg.scope_id END AS usage_id "  # noqa: S608
            f"FROM {b} bg"
        )
        self._all = text(_usage_query(d, h, listed))
        self._one = text(_usage_query(d, h, f"{listed} WHERE bg.id = CAST(:id AS uuid)"))
        # One writer per budget key at a time, so the event says truly whether it created.
        self._lock = text("SELECT pg_advisory_xact_lock(hashtext(:table), hashtext(:key))")
        self._table = b
        self._get = text(
            f"SELECT {_COLUMNS} FROM {b} "  # noqa: S608
            "WHERE scope = :scope AND scope_id = :scope_id AND period = :period"
        )
        self._upsert = text(
            f"INSERT INTO {b} AS bg (id, scope, scope_id, period, max_tokens, max_cost, "  # noqa: S608
            "updated_by) VALUES (CAST(:id AS uuid), :scope, :scope_id, :period, :max_tokens, "
            ":max_cost, :by) ON CONFLICT (scope, scope_id, period) DO UPDATE SET "
            "max_tokens = EXCLUDED.max_tokens, max_cost = EXCLUDED.max_cost, "
            "updated_at = now(), updated_by = EXCLUDED.updated_by "
            f"RETURNING {_COLUMNS}"
        )
        self._delete = text(
            f"DELETE FROM {b} WHERE id = CAST(:id AS uuid) RETURNING {_COLUMNS}"  # noqa: S608
        )

    async def applicable(self, user_id: str, groups: Sequence[str]) -> list[BudgetUsage]:
        """The budgets a call of ``user_id`` (in ``groups``) must fit, with their usage."""
        params = {"uid": user_id, "groups": list(groups)}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(self._applicable, params)).fetchall()
        return [_with_usage(r) for r in rows]

    async def everything(self) -> list[BudgetUsage]:
        """Every budget; user and group budgets with their usage, 'everyone' ones without."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(self._all)).fetchall()
        return [_with_usage(r) for r in rows]

    async def one(self, budget_id: str) -> BudgetUsage | None:
        """One budget as :meth:`everything` lists it; None when there is none."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(self._one, {"id": budget_id})).one_or_none()
        return None if row is None else _with_usage(row)

    async def put(
        self, new_id: str, key: BudgetKey, limits: BudgetLimits, by: str, audit: BudgetAudit
    ) -> BudgetChange:
        """Create the budget of ``key`` (with ``new_id``) or replace its limits."""
        params = {**key._asdict(), **limits._asdict(), "id": new_id, "by": by}
        async with self.engine.begin() as conn:
            lock_key = f"{key.scope}:{key.scope_id}:{key.period}"
            await conn.execute(self._lock, {"table": self._table, "key": lock_key})
            found = (await conn.execute(self._get, params)).one_or_none()
            before = None if found is None else _stored(found)
            after = _stored((await conn.execute(self._upsert, params)).one())
            await self.outbox.add(conn, audit(before, after))
        return BudgetChange(before, after)

    async def delete(self, budget_id: str, audit: BudgetAudit) -> StoredBudget | None:
        """Delete a budget; None when there is none with that id."""
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._delete, {"id": budget_id})).one_or_none()
            if row is None:
                return None
            gone = _stored(row)
            await self.outbox.add(conn, audit(gone, None))
        return gone
