"""Chat's metrics (the shared HTTP ones plus runs and streams) and its log setup."""

from __future__ import annotations

from parley_common.logs import configure_logging as configure_common_logging
from parley_common.metrics import HttpMetrics
from prometheus_client import Counter, Gauge, Histogram


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    """The shared JSON logs, with the LLM clients and agno kept down."""
    configure_common_logging(
        level,
        json_logs,
        # One line per LLM request is noise at INFO; failures are logged by the run itself.
        quiet=("httpx", "httpx2", "openai"),
        # agno logs provider error text (may carry secrets) and resets its logger level on
        # each run, so only a filter keeps its records out; we log run outcomes ourselves.
        critical_only=("agno", "agno-team", "agno-workflow"),
    )


class Metrics(HttpMetrics):
    """The chat service's Prometheus metrics in their own registry (one per app instance)."""

    def __init__(self) -> None:
        super().__init__("chat")
        self.runs_started = Counter(
            "parley_chat_runs_started_total", "Agent runs started.", registry=self.registry
        )
        self.runs_completed = Counter(
            "parley_chat_runs_completed_total", "Agent runs completed.", registry=self.registry
        )
        self.runs_failed = Counter(
            "parley_chat_runs_failed_total",
            "Agent runs that failed, by code.",
            ["code"],
            registry=self.registry,
        )
        self.runs_cancelled = Counter(
            "parley_chat_runs_cancelled_total", "Agent runs cancelled.", registry=self.registry
        )
        self.runs_active = Gauge(
            "parley_chat_runs_active", "Runs in flight in this process.", registry=self.registry
        )
        self.time_to_first_token = Histogram(
            "parley_chat_time_to_first_token_seconds",
            "From accepting a message to the first reply text.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 60),
            registry=self.registry,
        )
        self.open_streams = Gauge(
            "parley_chat_open_streams", "SSE responses currently open.", registry=self.registry
        )
        self.account_changes_failures = Counter(
            "parley_chat_account_changes_failures_total",
            "Polls of auth's account-changes feed that failed (auth down, token refused, ...).",
            registry=self.registry,
        )
        self.account_changes_age = Gauge(
            "parley_chat_account_changes_age_seconds",
            "Seconds since the account-changes feed was last read in full (-1: follower off).",
            registry=self.registry,
        )
        self.accounts_known = Gauge(
            "parley_chat_accounts_known",
            "Users whose token version or deletion chat knows of.",
            registry=self.registry,
        )
        self.account_chats_deleted = Counter(
            "parley_chat_account_chats_deleted_total",
            "Chats deleted because their user's account was deleted.",
            registry=self.registry,
        )
        self.audit_events_forwarded = Counter(
            "parley_chat_audit_events_forwarded_total",
            "Catalog audit events delivered to auth's audit log.",
            registry=self.registry,
        )
        self.audit_forward_failures = Counter(
            "parley_chat_audit_forward_failures_total",
            "Attempts to deliver an audit event to auth that failed (kept, retried).",
            registry=self.registry,
        )
        self.audit_events_rejected = Counter(
            "parley_chat_audit_events_rejected_total",
            "Audit events auth refused as invalid (kept aside in the outbox, logged).",
            registry=self.registry,
        )
