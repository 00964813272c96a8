"""What users and admins read of usage: a user's days, models and budgets, admins' aggregates
(JSON or CSV). Admins only ever see these sums, never a message."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from pydantic import BaseModel

from parley_chat.config import Settings
from parley_chat.storage.budgets import BudgetQueries
from parley_chat.storage.usage_reports import (
    KeyedSums,
    ReportBy,
    UsageReportQueries,
    UsageSums,
)
from parley_chat.usage.budgets import BudgetOut, budget_out, money
from parley_chat.usage.plan import WorstCase

MAX_REPORT_DAYS = 366
DEFAULT_REPORT_DAYS = 30
LOW_FRACTION = 0.2  # below this share of a budget left, the web warns


class UsageNumbers(BaseModel):
    input_tokens: int
    output_tokens: int
    tokens: int
    cost: float
    calls: int


class DayUsage(UsageNumbers):
    day: str  # YYYY-MM-DD, UTC


class ModelUsage(UsageNumbers):
    model: str


class Remaining(BaseModel):
    """What is left of the tightest budget (lowest share left) that applies to the caller."""

    unit: str  # 'tokens' | 'cost'
    amount: int | float  # whole tokens, or a cost
    fraction: float  # 0..1
    resets_at: datetime
    budget_id: str


class NextReply(BaseModel):
    """What a reply of the caller's default model holds at admission, and whether every
    budget that applies can take it now (if not, the next turn is refused)."""

    model: str
    tokens: int
    cost: float
    fits: bool


def next_reply(budgets: Sequence[BudgetOut], worst: WorstCase | None) -> NextReply | None:
    if worst is None:
        return None
    fits = all(
        (b.remaining_tokens is None or b.remaining_tokens >= worst.tokens)
        and (b.remaining_cost is None or b.remaining_cost >= worst.cost)
        for b in budgets
    )
    return NextReply(model=worst.model, tokens=worst.tokens, cost=round(worst.cost, 6), fits=fits)


class UsageLimits(BaseModel):
    replies_in_flight: int  # 0: no limit
    turns_per_minute: int


class MyUsage(BaseModel):
    """``GET /api/usage``: the caller's usage, budgets and limits."""

    currency: str
    since: str
    until: str
    today: UsageNumbers
    by_day: list[DayUsage]  # days with usage only, oldest first
    by_model: list[ModelUsage]
    budgets: list[BudgetOut]
    remaining: Remaining | None
    # Under a fifth left of the tightest budget, or not enough left for one more reply.
    low: bool
    next_reply: NextReply | None  # None: no model to answer with
    limits: UsageLimits


class ReportNumbers(UsageNumbers):
    estimated_calls: int


class ReportRow(ReportNumbers):
    key: str


class AdminUsage(BaseModel):
    """``GET /api/admin/usage``: everyone's usage by user, group, model or day."""

    by: str
    since: str
    until: str
    currency: str
    rows: list[ReportRow]
    total: ReportNumbers  # each call once (by group, a call is in each of its groups' rows)


class DayRange(NamedTuple):
    since: date
    until: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Midnight after ``until`` (exclusive)."""
        return datetime.combine(self.until, time(), tzinfo=UTC) + timedelta(days=1)


class RangeRefused(ValueError):
    """A date range the reports do not take (422)."""


def utc_today() -> date:
    return datetime.now(UTC).date()


def report_range(since: date | None, until: date | None, today: date) -> DayRange:
    """The admin report's days: the given ones, else the last 30 days up to ``until``."""
    end = until or today
    if end >= date.max:
        raise RangeRefused("until must be before 9999-12-31")  # the day after must exist
    try:
        start = since or end - timedelta(days=DEFAULT_REPORT_DAYS - 1)
    except OverflowError:
        raise RangeRefused("until is too early for a 30-day report") from None
    if start > end:
        raise RangeRefused("since must not be after until")
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise RangeRefused(f"a report covers at most {MAX_REPORT_DAYS} days")
    return DayRange(start, end)


def _numbers(sums: UsageSums) -> dict[str, int | float]:
    return {
        "input_tokens": sums.input_tokens,
        "output_tokens": sums.output_tokens,
        "tokens": sums.input_tokens + sums.output_tokens,
        "cost": money(sums.cost),
        "calls": sums.calls,
    }


def tightest(budgets: Sequence[BudgetOut]) -> Remaining | None:
    """The budget with the lowest share left, in whichever unit is tighter (ties: the first
    in list order, tokens before cost)."""
    best: Remaining | None = None
    for b in budgets:
        for unit, limit, left in (
            ("tokens", b.max_tokens, b.remaining_tokens),
            ("cost", b.max_cost, b.remaining_cost),
        ):
            if limit is None or left is None:
                continue
            fraction = min(left / limit, 1.0) if limit > 0 else 0.0
            if best is None or fraction < best.fraction:
                best = Remaining(
                    unit=unit,
                    amount=left,
                    fraction=round(fraction, 6),
                    resets_at=b.resets_at,
                    budget_id=b.id,
                )
    return best


class UsageReports:
    """The usage reads of users and admins, over the ledger and the budgets' queries."""

    def __init__(
        self, settings: Settings, ledger: UsageReportQueries, budgets: BudgetQueries
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.budgets = budgets

    async def mine(
        self, user_id: str, groups: Sequence[str], days: int, worst: WorstCase | None = None
    ) -> MyUsage:
        """The caller's last ``days`` UTC days (today included), budgets and limits;
        ``worst``: a reply of their default model, to say whether one more fits."""
        today = utc_today()
        days_range = DayRange(today - timedelta(days=days - 1), today)
        usage = await self.ledger.for_user(user_id, days_range.start, days_range.end)
        statuses = await self.budgets.applicable(user_id, sorted(groups))
        budgets = [budget_out(s) for s in statuses]
        today_sums = next(
            (d.sums for d in usage.by_day if d.key == today.isoformat()),
            UsageSums(0, 0, Decimal(0), 0, 0),
        )
        remaining = tightest(budgets)
        upcoming = next_reply(budgets, worst)
        return MyUsage(
            currency=self.settings.USAGE_CURRENCY,
            since=days_range.since.isoformat(),
            until=days_range.until.isoformat(),
            today=UsageNumbers(**_numbers(today_sums)),
            by_day=[DayUsage(day=d.key, **_numbers(d.sums)) for d in usage.by_day],
            by_model=[ModelUsage(model=m.key, **_numbers(m.sums)) for m in usage.by_model],
            budgets=budgets,
            remaining=remaining,
            low=(remaining is not None and remaining.fraction < LOW_FRACTION)
            or (upcoming is not None and not upcoming.fits),
            next_reply=upcoming,
            limits=UsageLimits(
                replies_in_flight=self.settings.USER_REPLIES_IN_FLIGHT,
                turns_per_minute=self.settings.USER_TURNS_PER_MINUTE,
            ),
        )

    async def report(self, by: ReportBy, days: DayRange) -> AdminUsage:
        found = await self.ledger.report(by, days.start, days.end)
        return AdminUsage(
            by=by,
            since=days.since.isoformat(),
            until=days.until.isoformat(),
            currency=self.settings.USAGE_CURRENCY,
            rows=[_row(r) for r in found.rows],
            total=ReportNumbers(
                **_numbers(found.total), estimated_calls=found.total.estimated_calls
            ),
        )

    async def report_csv(self, by: ReportBy, days: DayRange) -> str:
        """The report as CSV, costs as exact decimals."""
        found = await self.ledger.report(by, days.start, days.end)
        return csv_text(by, found.rows)


def _row(row: KeyedSums) -> ReportRow:
    return ReportRow(key=row.key, **_numbers(row.sums), estimated_calls=row.sums.estimated_calls)


def exact(value: Decimal) -> str:
    """A cost as plain decimal text, without exponent or trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(key: str) -> str:
    # A spreadsheet runs a cell that starts like a formula: user ids come from tokens.
    return f"'{key}" if key[:1] in ("=", "+", "-", "@", "\t", "\r") else key


def csv_text(by: ReportBy, rows: Sequence[KeyedSums]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [by, "input_tokens", "output_tokens", "tokens", "cost", "calls", "estimated_calls"]
    )
    for r in rows:
        s = r.sums
        writer.writerow(
            [
                _cell(r.key),
                s.input_tokens,
                s.output_tokens,
                s.input_tokens + s.output_tokens,
                exact(s.cost),
                s.calls,
                s.estimated_calls,
            ]
        )
    return out.getvalue()


def csv_filename(by: ReportBy, days: DayRange) -> str:
    return f"parley-usage-{by}-{days.since.isoformat()}-{days.until.isoformat()}.csv"
