"""Budgets as admins set them: the API's shapes and rules, the audit event of each change."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from parley_chat.audit import Caller
from parley_chat.catalog.specs import group_id
from parley_chat.storage.audit import AuditEntry
from parley_chat.storage.budgets import (
    BudgetAudit,
    BudgetKey,
    BudgetLimits,
    BudgetQueries,
    BudgetUsage,
    StoredBudget,
)

MAX_TOKENS = 10**15
MAX_COST = Decimal(10**12)
BUDGET_NOT_FOUND = "budget not found"
_MICRO = Decimal("0.000001")


def money(value: Decimal) -> float:
    """A cost as the API shows it: a JSON number rounded to 6 places."""
    return float(value.quantize(_MICRO, rounding=ROUND_HALF_EVEN))


class BudgetSet(BaseModel):
    """``PUT /api/admin/budgets``: the budget of (scope, scope_id, period), whole."""

    model_config = ConfigDict(extra="forbid")

    scope: Literal["everyone", "user", "group"]
    scope_id: str = Field(default="", max_length=64)  # '' for everyone; a user or group id
    period: Literal["day", "month"]
    max_tokens: Annotated[StrictInt, Field(ge=0, le=MAX_TOKENS)] | None = None
    # In USAGE_CURRENCY; the column keeps 6 decimal places.
    max_cost: Annotated[Decimal, Field(ge=0, le=MAX_COST, decimal_places=6)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.max_tokens is None and self.max_cost is None:
            raise ValueError("a budget needs max_tokens or max_cost (or both)")
        if self.scope == "everyone":
            if self.scope_id != "":
                raise ValueError("scope_id must be '' for scope 'everyone'")
        elif self.scope == "group":
            try:
                group_id(self.scope_id)
            except ValueError:
                raise ValueError(
                    "scope_id of a group budget must be a group id: 1 to 64 lower-case "
                    "letters, digits, '-' or '_', starting with a letter or digit"
                ) from None
        else:
            try:
                # The form auth's ids (token subjects) have, so the budget matches the user.
                self.scope_id = str(uuid.UUID(self.scope_id))
            except ValueError:
                raise ValueError(
                    "scope_id of a user budget must be the user's id (a UUID)"
                ) from None
        return self


class BudgetOut(BaseModel):
    """A budget and what counts against it in its current period (UTC day or month).

    On ``GET /api/usage``, usage is the caller's (a group budget's: the group's); for
    admins, an 'everyone' budget's usage fields are null (each user has their own)."""

    id: str
    scope: str
    scope_id: str
    period: str
    max_tokens: int | None
    max_cost: float | None
    used_tokens: int | None
    used_cost: float | None
    held_tokens: int | None  # the worst case of the calls in flight
    held_cost: float | None
    remaining_tokens: int | None  # max - used - held, never below 0; null without a max
    remaining_cost: float | None
    resets_at: datetime  # the end of the current period (UTC)


class BudgetList(BaseModel):
    budgets: list[BudgetOut]


def _left(limit: Decimal | None, used: Decimal | None, held: Decimal | None) -> Decimal | None:
    if limit is None or used is None or held is None:
        return None
    return max(limit - used - held, Decimal(0))


def budget_out(status: BudgetUsage) -> BudgetOut:
    b = status.budget
    tokens = None if b.max_tokens is None else Decimal(b.max_tokens)
    used_t = None if status.used_tokens is None else Decimal(status.used_tokens)
    held_t = None if status.held_tokens is None else Decimal(status.held_tokens)
    tokens_left = _left(tokens, used_t, held_t)
    cost_left = _left(b.max_cost, status.used_cost, status.held_cost)
    return BudgetOut(
        id=b.id,
        scope=b.scope,
        scope_id=b.scope_id,
        period=b.period,
        max_tokens=b.max_tokens,
        max_cost=None if b.max_cost is None else money(b.max_cost),
        used_tokens=status.used_tokens,
        used_cost=None if status.used_cost is None else money(status.used_cost),
        held_tokens=status.held_tokens,
        held_cost=None if status.held_cost is None else money(status.held_cost),
        remaining_tokens=None if tokens_left is None else int(tokens_left),
        remaining_cost=None if cost_left is None else money(cost_left),
        resets_at=status.resets_at,
    )


def budget_label(budget: StoredBudget) -> str:
    """How the audit log names a budget: ``group engineering / month``, ``everyone / day``."""
    who = budget.scope if budget.scope == "everyone" else f"{budget.scope} {budget.scope_id}"
    return f"{who} / {budget.period}"


def _limits(budget: StoredBudget | None) -> dict[str, object] | None:
    if budget is None:
        return None
    # The cost as an exact decimal string: a float could not hold 12 digits and 6 places.
    cost = None if budget.max_cost is None else format(budget.max_cost.normalize(), "f")
    return {"max_tokens": budget.max_tokens, "max_cost": cost}


def budget_audit(caller: Caller) -> BudgetAudit:
    """The audit event of a budget set (created or changed) or deleted by ``caller``."""

    def entry(before: StoredBudget | None, after: StoredBudget | None) -> AuditEntry:
        budget = after or before
        assert budget is not None
        detail: dict[str, object] = {
            "scope": budget.scope,
            "scope_id": budget.scope_id,
            "period": budget.period,
            "before": _limits(before),
            "after": _limits(after),
        }
        return AuditEntry(
            kind="budget.set" if after is not None else "budget.deleted",
            actor_id=caller.actor.id,
            actor_email=caller.actor.email,
            target_type="budget",
            target_id=budget.id,
            target_label=budget_label(budget)[:320],
            client_ip=caller.client.ip,
            user_agent=caller.client.user_agent,
            detail=detail,
        )

    return entry


class BudgetNotFound(Exception):
    """No budget has that id (404)."""


class BudgetAdmin:
    """Admins' budgets over :class:`BudgetQueries`; ``audit_written`` wakes the forwarder."""

    def __init__(self, queries: BudgetQueries, audit_written: Callable[[], None]) -> None:
        self.queries = queries
        self.audit_written = audit_written

    async def list(self) -> BudgetList:
        return BudgetList(budgets=[budget_out(s) for s in await self.queries.everything()])

    async def put(self, caller: Caller, body: BudgetSet) -> BudgetOut:
        key = BudgetKey(body.scope, body.scope_id, body.period)
        limits = BudgetLimits(body.max_tokens, body.max_cost)
        by = caller.actor.id[:64]
        change = await self.queries.put(str(uuid.uuid4()), key, limits, by, budget_audit(caller))
        self.audit_written()
        # With its usage, as the admin list shows it.
        status = await self.queries.one(change.after.id)
        if status is None:
            raise BudgetNotFound(BUDGET_NOT_FOUND)  # deleted meanwhile by another admin
        return budget_out(status)

    async def delete(self, caller: Caller, budget_id: str) -> None:
        if await self.queries.delete(budget_id, budget_audit(caller)) is None:
            raise BudgetNotFound(BUDGET_NOT_FOUND)
        self.audit_written()
