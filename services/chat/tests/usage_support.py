"""What the usage tests share: the ledger, holds and budgets as stored (read and set with SQL,
or written through the migration's own functions, as turns and API calls write them), and
admins who set budgets through the API."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row

from .conftest import Chat, User


def record(
    db_url: str,
    user: str,
    model: str = "stub-model",
    *,
    tokens_in: int,
    tokens_out: int,
    groups: tuple[str, ...] = (),
    price_in: str = "0",
    price_out: str = "0",
    estimated: bool = False,
    started_at: datetime | None = None,
    kind: str = "turn",
) -> None:
    """One finished call in the ledger (and the day's totals), prices per million tokens."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "SELECT ai.parley_record_usage(%s, %s, %s, 'stub', %s, 'web', NULL, NULL, %s, %s, "
            "%s, %s, %s, COALESCE(%s, now()))",
            (
                user,
                list(groups),
                model,
                kind,
                tokens_in,
                tokens_out,
                estimated,
                Decimal(price_in),
                Decimal(price_out),
                started_at,
            ),
        )


def admit(
    db_url: str,
    user: str,
    *,
    tokens: int,
    cost: str = "0",
    groups: tuple[str, ...] = (),
    hold_id: str | None = None,
) -> dict[str, Any] | None:
    """Ask ``parley_admit`` for a call whose worst case is ``tokens`` and ``cost``: None when
    admitted (its hold is stored under ``hold_id``), else the refusal."""
    # The plan's worst case: ``tokens`` in, priced so that they cost ``cost``.
    price = Decimal(cost) * 1_000_000 / tokens if tokens else Decimal(0)
    entry = {"input": tokens, "output": 0, "provider": "stub", "input_price": str(price)}
    plan = {"stub-model": entry}
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT ai.parley_admit(%s, %s, %s, 'stub-model', %s::jsonb, 'turn', 'web', NULL, "
            "60, 0, 0)",
            (hold_id or str(uuid.uuid4()), user, list(groups), json.dumps(plan)),
        ).fetchone()
    assert row is not None
    refusal: dict[str, Any] | None = row[0]
    return refusal


def sql(db_url: str, statement: str, *params: Any) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(statement, params)  # type: ignore[arg-type]


class Admin:
    """An admin calling the budget and usage admin API."""

    def __init__(self, chat: Chat) -> None:
        self.id = str(uuid.uuid4())
        self.chat = chat
        self.user = User(self.id, chat.signing_key.token(self.id, role="admin"))

    async def put_budget(self, status: int = 200, **body: Any) -> Any:
        response = await self.chat.http.put(
            "/api/admin/budgets", json=body, headers=self.user.headers
        )
        assert response.status_code == status, response.text
        return response.json()

    async def get(self, path: str, status: int = 200, **params: Any) -> Any:
        response = await self.chat.http.get(path, params=params, headers=self.user.headers)
        assert response.status_code == status, response.text
        return response.json()


def member(chat: Chat, name: str, *groups: str) -> User:
    """A member of ``groups`` (the token's claim), known to ``chat`` by ``name``."""
    if name not in chat.users:
        sub = str(uuid.uuid4())
        token = chat.signing_key.token(sub, groups=sorted(groups))
        chat.users[name] = User(sub, token)
    return chat.users[name]


async def my_usage(chat: Chat, user: User, **params: Any) -> dict[str, Any]:
    response = await chat.http.get("/api/usage", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def numbers(tokens_in: int, tokens_out: int, cost: float, calls: int) -> dict[str, Any]:
    """The usage figures of the API, as a user or admin reads them."""
    return {
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "tokens": tokens_in + tokens_out,
        "cost": cost,
        "calls": calls,
    }


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
