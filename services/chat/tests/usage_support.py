"""The ledger, budgets and holds as stored, for the usage tests (read and set with SQL)."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row


def ledger(db_url: str, user_id: str) -> list[dict[str, Any]]:
    """The user's ledger rows, oldest first."""
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT * FROM ai.parley_usage WHERE user_id = %s ORDER BY id", (user_id,)
        ).fetchall()


def holds(db_url: str) -> list[dict[str, Any]]:
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM ai.parley_usage_holds").fetchall()


def daily_tokens(db_url: str, scope: str, scope_id: str) -> int:
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT COALESCE(sum(tokens), 0) FROM ai.parley_usage_daily "
            "WHERE scope = %s AND scope_id = %s",
            (scope, scope_id),
        ).fetchone()
    assert row is not None
    return int(row[0])


def set_budget(
    db_url: str,
    scope: str,
    scope_id: str,
    period: str = "day",
    *,
    max_tokens: int | None = None,
    max_cost: Decimal | None = None,
) -> None:
    """Set (or replace) a budget, as the admin API stores it."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO ai.parley_budgets (id, scope, scope_id, period, max_tokens, max_cost) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (scope, scope_id, period) DO UPDATE "
            "SET max_tokens = EXCLUDED.max_tokens, max_cost = EXCLUDED.max_cost",
            (str(uuid.uuid4()), scope, scope_id, period, max_tokens, max_cost),
        )


async def wait_for(db_url: str, user_id: str, count: int, seconds: float = 10.0) -> list[Any]:
    """The user's ledger once it holds ``count`` rows."""
    for _ in range(int(seconds / 0.05)):
        rows = ledger(db_url, user_id)
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"the ledger has {len(ledger(db_url, user_id))} rows, not {count}")


async def post_turn(
    http: httpx.AsyncClient, headers: dict[str, str], chat_id: str, content: str
) -> httpx.Response:
    """POST a message and read the whole answer (the SSE reply, or the refusal)."""
    return await http.post(
        f"/api/chats/{chat_id}/messages", json={"content": content}, headers=headers
    )
