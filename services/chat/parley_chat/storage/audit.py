"""The audit outbox: events written with the change they record, forwarded to auth in order."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import NamedTuple, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from parley_chat.storage.schema import AUDIT_OUTBOX, checked_schema

Row = TypeVar("Row")


@dataclass(frozen=True)
class AuditEntry:
    """One event as auth's audit log takes it (``at`` is the outbox row's insert time)."""

    kind: str
    actor_id: str | None
    actor_email: str | None
    target_type: str | None
    target_id: str | None
    target_label: str | None
    client_ip: str | None
    user_agent: str | None
    detail: Mapping[str, object] = field(default_factory=dict)


# How a write describes itself: (row before, row after) -> the event; before None: created,
# after None: deleted. Called inside the write's transaction.
Audited = Callable[[Row | None, Row | None], AuditEntry]


@dataclass(frozen=True)
class OutboxRow:
    id: int
    at: datetime
    entry: AuditEntry


class Delivery(NamedTuple):
    """What became of one row sent: delivered (deleted), rejected for good (kept aside with
    the reason, the next rows go on), or neither (kept, and the round stops: order holds)."""

    delivered: bool
    rejection: str | None = None


class ForwardRound(NamedTuple):
    delivered: int
    rejected: int
    failed: bool  # a row could not be delivered: it and the rest wait for the next round
    more: bool  # the batch was full: more rows may be waiting
    skipped: bool  # another replica was forwarding: nothing done


class OutboxQueries:
    """Our SQL on the outbox, built once per app with the configured schema."""

    def __init__(self, engine: AsyncEngine, schema: str) -> None:
        self.engine = engine
        schema = checked_schema(schema)
        table = f"{schema}.{AUDIT_OUTBOX}"
        columns = ", ".join(f for f in AuditEntry.__dataclass_fields__)
        values = ", ".join(f":{f}" for f in AuditEntry.__dataclass_fields__)
        self._add = text(f"INSERT INTO {table} ({columns}) VALUES ({values})")  # noqa: S608
        # One forwarder at a time across replicas (a transaction-scoped lock), so rows reach
        # auth in id order; the others skip the round.
        self._lock = text(f"SELECT pg_try_advisory_xact_lock(hashtext('{table}'))")
        self._batch = text(
            f"SELECT id, at, {columns} FROM {table} WHERE rejected_at IS NULL "  # noqa: S608
            "ORDER BY id LIMIT :limit"
        )
        self._delete = text(f"DELETE FROM {table} WHERE id = :id")  # noqa: S608
        self._reject = text(
            f"UPDATE {table} SET rejected_at = clock_timestamp(), "  # noqa: S608
            "rejection = left(:why, 400) WHERE id = :id"
        )

    async def add(self, conn: AsyncConnection, entry: AuditEntry) -> None:
        """Write ``entry`` in the caller's transaction: it commits (or not) with the change."""
        params = {**asdict(entry), "detail": json.dumps(dict(entry.detail))}
        await conn.execute(self._add, params)

    async def forward(
        self, send: Callable[[OutboxRow], Awaitable[Delivery]], limit: int
    ) -> ForwardRound:
        """Hand the oldest ``limit`` rows to ``send`` in order, deleting each delivered and
        setting aside each rejected, until one fails: that one and the rest stay, in order.

        The deletions commit at the end: a crash meanwhile sends those rows again (auth then
        holds a duplicate, which the contract accepts)."""
        delivered = rejected = 0
        async with self.engine.begin() as conn:
            if not (await conn.execute(self._lock)).scalar():
                return ForwardRound(0, 0, failed=False, more=False, skipped=True)
            rows = (await conn.execute(self._batch, {"limit": limit})).fetchall()
            for r in rows:
                sent = await send(OutboxRow(int(r.id), r.at, _entry(r._asdict())))
                if sent.delivered:
                    await conn.execute(self._delete, {"id": r.id})
                    delivered += 1
                elif sent.rejection is not None:
                    await conn.execute(self._reject, {"id": r.id, "why": sent.rejection})
                    rejected += 1
                else:
                    return ForwardRound(delivered, rejected, failed=True, more=True, skipped=False)
        more = len(rows) == limit
        return ForwardRound(delivered, rejected, failed=False, more=more, skipped=False)


def _entry(row: Mapping[str, object]) -> AuditEntry:
    def text_or_none(name: str) -> str | None:
        value = row[name]
        return value if isinstance(value, str) else None

    detail = row["detail"]
    return AuditEntry(
        kind=str(row["kind"]),
        actor_id=text_or_none("actor_id"),
        actor_email=text_or_none("actor_email"),
        target_type=text_or_none("target_type"),
        target_id=text_or_none("target_id"),
        target_label=text_or_none("target_label"),
        client_ip=text_or_none("client_ip"),
        user_agent=text_or_none("user_agent"),
        detail=detail if isinstance(detail, dict) else {},
    )
