"""Admission and the ledger cost no database round trip before a reply's first token: the
statements a turn makes before its first token are the same with budgets as without."""

from __future__ import annotations

import time
from typing import Any

import httpx
from parley_chat.app import create_app
from parley_testing import LlmStub, serve_asgi
from parley_testing import TestKey as Key
from sqlalchemy import event

from .conftest import User, read_events
from .usage_support import set_budget, wait_for


class Statements:
    """Every statement the app's engine sends, with when it was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, str]] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.sent.append((time.monotonic(), statement))

    def between(self, start: float, end: float) -> list[str]:
        return [s for t, s in self.sent if start <= t <= end]


async def _statements_before_first_token(
    http: httpx.AsyncClient, user: User, log: Statements
) -> list[str]:
    chat_id = (await http.post("/api/chats", json={}, headers=user.headers)).json()["id"]
    started = time.monotonic()
    async with http.stream(
        "POST", f"/api/chats/{chat_id}/messages", json={"content": "hi"}, headers=user.headers
    ) as response:
        assert response.status_code == 200
        first_token = None
        async for item in read_events(response):
            if item.event == "message.delta" and first_token is None:
                first_token = time.monotonic()
    assert first_token is not None
    return log.between(started, first_token)


async def test_a_turn_under_budgets_makes_no_more_statements_before_its_first_token(
    make_settings: Any, signing_key: Key, stub: LlmStub, db_url: str
) -> None:
    app = create_app(make_settings(TITLE_GENERATION=False))
    log = Statements()
    with serve_asgi(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
            event.listen(app.state.runtime.db.db_engine.sync_engine, "before_cursor_execute", log)
            free = User("00000000-0000-4000-8000-0000000000f1", "")
            free.token = signing_key.token(free.id, groups=["eng"])
            without = await _statements_before_first_token(http, free, log)

            budgeted = User("00000000-0000-4000-8000-0000000000f2", "")
            budgeted.token = signing_key.token(budgeted.id, groups=["eng"])
            set_budget(db_url, "everyone", "", max_tokens=10**9)
            set_budget(db_url, "user", budgeted.id, "month", max_tokens=10**9)
            set_budget(db_url, "group", "eng", max_tokens=10**9)
            with_budgets = await _statements_before_first_token(http, budgeted, log)
            await wait_for(db_url, budgeted.id, 1)

    assert len(with_budgets) == len(without), (without, with_budgets)
    # The one statement that admits the turn is the one that takes the chat's lease.
    admitting = [s for s in with_budgets if "parley_admit" in s]
    assert len(admitting) == 1 and "parley_run_leases" in admitting[0]
    assert not any("parley_usage" in s or "parley_budgets" in s for s in with_budgets)
