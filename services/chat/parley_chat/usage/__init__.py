"""Usage governance: what each model call used, budgets and per-user limits (README)."""

from parley_chat.usage.records import CallSource, UsageRecord, record_usage

__all__ = ["CallSource", "UsageRecord", "record_usage"]
