"""A call refused by a budget or a per-user limit: the 429's code, limit, reset and words."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

RefusalCode = Literal["BUDGET_EXCEEDED", "RATE_LIMITED"]
# What parley_admit answers for a chat whose reply is still running (a 409, not a refusal).
CHAT_BUSY = "CHAT_BUSY"
PERIOD_WORDS = {"day": "daily", "month": "monthly"}


class UsageRefused(Exception):
    """Admission said no; ``refusal`` is what parley_admit returned (code, limit, retry_after)."""

    def __init__(self, refusal: dict[str, Any], currency: str) -> None:
        self.refusal = refusal
        self.currency = currency
        super().__init__(refusal.get("code"))

    @property
    def code(self) -> RefusalCode:
        budget = self.refusal.get("code") == "BUDGET_EXCEEDED"
        return "BUDGET_EXCEEDED" if budget else "RATE_LIMITED"

    @property
    def retry_after(self) -> int:
        return max(1, int(self.refusal.get("retry_after") or 1))

    @property
    def limit(self) -> dict[str, Any]:
        limit = self.refusal.get("limit")
        return limit if isinstance(limit, dict) else {}

    def message(self) -> str:
        """What the user reads (the composer shows it as it is)."""
        limit = self.limit
        name = limit.get("name")
        if name == "replies_in_flight":
            return (
                f"You already have {limit.get('max')} replies in progress. Wait for one to "
                "finish, then send again."
            )
        if name == "turns_per_minute":
            return (
                f"You have sent {limit.get('max')} messages in the last minute. Try again in "
                f"{self.retry_after} s."
            )
        return _budget_message(limit, self.currency, self.retry_after)

    def detail(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message(),
            "limit": self.limit,
            "retry_after": self.retry_after,
        }


def amount(value: Any, unit: str, currency: str) -> str:
    """``12,000 tokens`` or ``1.50 USD``."""
    number = float(value or 0)
    if unit == "tokens":
        return f"{int(number):,} tokens"
    return f"{number:,.2f} {currency}"


def _budget_message(limit: dict[str, Any], currency: str, retry_after: int) -> str:
    unit = str(limit.get("unit", "tokens"))
    period = PERIOD_WORDS.get(str(limit.get("period")), "")
    kind = "token" if unit == "tokens" else "cost"
    group = limit.get("scope") == "group"
    whose = f"The group {limit.get('scope_id')}'s" if group else "Your"
    cap = amount(limit.get("max"), unit, currency)
    used = float(limit.get("used") or 0)
    needed = float(limit.get("needed") or 0)
    maximum = float(limit.get("max") or 0)
    if needed > maximum:
        return (
            f"{whose} {period} {kind} budget ({cap}) is smaller than one reply of this model "
            f"can use ({amount(needed, unit, currency)}). Pick a smaller model or ask an admin."
        )
    if used + needed <= maximum:
        holders = "Replies in progress hold" if group else "Your replies in progress hold"
        return (
            f"{holders} the rest of {whose.lower()} {period} {kind} budget ({cap}). Try again "
            "when they finish."
        )
    resets = _when(limit.get("resets_at"))
    return (
        f"{whose} {period} {kind} budget of {cap} is used up "
        f"({amount(used, unit, currency)} so far). It resets {resets}."
    )


def _when(value: Any) -> str:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return "soon"
        return moment.strftime("on %Y-%m-%d at %H:%M UTC")
    return "soon"
