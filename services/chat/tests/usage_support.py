"""Usage the usage tests share: ledger rows and holds written through the migration's own
functions (``parley_record_usage``, ``parley_admit``, ``parley_settle``), as turns and API
calls write them, and admins who set budgets through the API."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

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
    plan = {"stub-model": {"tokens": tokens, "cost": cost, "provider": "stub"}}
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
