"""Reads of the usage ledger: one user's days and models, and admins' aggregates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley_chat.storage.schema import USAGE, checked_schema

ReportBy = Literal["user", "group", "model", "day"]


class UsageSums(NamedTuple):
    """What a set of calls used."""

    input_tokens: int
    output_tokens: int
    cost: Decimal
    calls: int
    estimated_calls: int  # counted by us: the provider reported no usage


class KeyedSums(NamedTuple):
    key: str  # a day (YYYY-MM-DD), a model, a user id or a group id ('' for no group)
    sums: UsageSums


class UserUsage(NamedTuple):
    by_day: list[KeyedSums]  # days with usage, oldest first
    by_model: list[KeyedSums]  # most costly first


class UsageReport(NamedTuple):
    rows: list[KeyedSums]
    total: UsageSums  # each call once (by group, a call counts in each of its groups' rows)


_SUMS = (
    "COALESCE(sum(input_tokens), 0) AS input_tokens, "
    "COALESCE(sum(output_tokens), 0) AS output_tokens, "
    "COALESCE(sum(cost), 0) AS cost, count(*) AS calls, "
    "count(*) FILTER (WHERE estimated) AS estimated_calls"
)
_UTC_DAY = "(({column} AT TIME ZONE 'UTC')::date)"
# What each report groups by (a ledger column or the UTC day of its recording); by group,
# each call's groups (none: '') are unnested first.
_REPORT_KEYS: dict[ReportBy, str] = {
    "user": "user_id",
    "group": "g.key",
    "model": "model",
    "day": _UTC_DAY.format(column="created_at") + "::text",
}
_COSTLY_FIRST = "sum(cost) DESC, sum(input_tokens + output_tokens) DESC"
_GROUPS = (
    " CROSS JOIN LATERAL unnest(CASE WHEN cardinality(u.groups) = 0 "
    "THEN ARRAY[''] ELSE u.groups END) AS g(key)"
)


def _sums(row: Any) -> UsageSums:
    return UsageSums(
        int(row.input_tokens),
        int(row.output_tokens),
        Decimal(row.cost),
        int(row.calls),
        int(row.estimated_calls),
    )


class UsageReportQueries:
    """Our reads of ``parley_usage``, built once per app with the configured schema."""

    def __init__(self, engine: AsyncEngine, schema: str) -> None:
        self.engine = engine
        ledger = f"{checked_schema(schema)}.{USAGE}"
        day = _UTC_DAY.format(column="started_at")
        # One pass over the user's range of (user_id, started_at) for both groupings.
        self._user = text(
            f"SELECT GROUPING(model) = 1 AS by_day, {day}::text AS day, model, {_SUMS} "  # noqa: S608
            f"FROM {ledger} WHERE user_id = :uid AND started_at >= :since "
            f"AND started_at < :until GROUP BY GROUPING SETS (({day}), (model)) "
            # Days oldest first; models (day NULL: last) most costly first.
            f'ORDER BY 2, {_COSTLY_FIRST}, model COLLATE "C"'
        )
        # Admins' range is over every user: the recording time's index, which is also the
        # day the budgets' daily totals count a call on.
        where = "WHERE u.created_at >= :since AND u.created_at < :until"
        self._report = {
            by: text(
                f"SELECT {key} AS key, {_SUMS} FROM {ledger} u"  # noqa: S608
                f"{_GROUPS if by == 'group' else ''} {where} GROUP BY 1 ORDER BY "
                + ("1" if by == "day" else f'{_COSTLY_FIRST}, {key} COLLATE "C"')
            )
            for by, key in _REPORT_KEYS.items()
        }
        self._total = text(f"SELECT {_SUMS} FROM {ledger} u {where}")  # noqa: S608

    async def for_user(self, user_id: str, since: datetime, until: datetime) -> UserUsage:
        """The user's calls started in [since, until), by UTC day and by model."""
        params = {"uid": user_id, "since": since, "until": until}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(self._user, params)).fetchall()
        by_day = [KeyedSums(r.day, _sums(r)) for r in rows if r.by_day]
        by_model = [KeyedSums(r.model, _sums(r)) for r in rows if not r.by_day]
        return UserUsage(by_day, by_model)

    async def report(self, by: ReportBy, since: datetime, until: datetime) -> UsageReport:
        """Everyone's calls recorded in [since, until), one row per ``by`` key."""
        params = {"since": since, "until": until}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(self._report[by], params)).fetchall()
            total = (await conn.execute(self._total, params)).one()
        return UsageReport([KeyedSums(str(r.key), _sums(r)) for r in rows], _sums(total))
