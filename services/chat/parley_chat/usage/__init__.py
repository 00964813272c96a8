"""Usage governance: what each model call used, budgets and per-user limits (README)."""

from parley_chat.usage.plan import WorstCase, call_plan, turn_plan, worst_case
from parley_chat.usage.records import CallSource, UsageRecord, record_usage
from parley_chat.usage.refusal import CHAT_BUSY, UsageRefused

__all__ = [
    "CHAT_BUSY",
    "CallSource",
    "UsageRecord",
    "UsageRefused",
    "WorstCase",
    "call_plan",
    "record_usage",
    "turn_plan",
    "worst_case",
]
