"""GET /api/admin/usage: everyone's usage by user, group, model or UTC day over a date range,
as JSON or a CSV download; sums only (admins never see a message)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import Chat
from .usage_support import Admin, member, numbers, record, sql


def report_row(key: str, tokens_in: int, tokens_out: int, cost: float, calls: int, est: int) -> Any:
    return {"key": key, **numbers(tokens_in, tokens_out, cost, calls), "estimated_calls": est}


@pytest.fixture
def people(chat: Chat, db_url: str) -> dict[str, str]:
    """Alice (engineering, research) and bob (engineering) today, carol (no group) two days
    ago, dave 40 days ago."""
    alice = member(chat, "alice", "engineering", "research")
    bob = member(chat, "bob", "engineering")
    carol, dave = chat.user("carol"), chat.user("dave")
    both = ("engineering", "research")
    record(
        db_url,
        alice.id,
        "alpha",
        tokens_in=1000,
        tokens_out=500,
        groups=both,
        price_in="1",
        price_out="2",
    )
    record(
        db_url,
        bob.id,
        "beta",
        tokens_in=300,
        tokens_out=100,
        groups=("engineering",),
        price_in="10",
        price_out="10",
        estimated=True,
    )
    record(db_url, carol.id, "alpha", tokens_in=50, tokens_out=50)
    record(db_url, dave.id, "alpha", tokens_in=9, tokens_out=9)
    # The report counts a call on the day it was recorded.
    for who, days in ((carol.id, 2), (dave.id, 40)):
        sql(
            db_url,
            "UPDATE ai.parley_usage SET created_at = now() - make_interval(days => %s) "
            "WHERE user_id = %s",
            days,
            who,
        )
    return {"alice": alice.id, "bob": bob.id, "carol": carol.id, "dave": dave.id}


async def test_usage_by_user_group_model_and_day(chat: Chat, people: dict[str, str]) -> None:
    admin = Admin(chat)
    today = datetime.now(UTC).date()
    total = {**numbers(1350, 650, 0.006, 3), "estimated_calls": 1}

    by_user = await admin.get("/api/admin/usage")
    assert (by_user["by"], by_user["currency"]) == ("user", "USD")
    assert (by_user["since"], by_user["until"]) == (
        (today - timedelta(days=29)).isoformat(),
        today.isoformat(),
    )
    # Most costly first; dave's call is older than the last 30 days.
    assert by_user["rows"] == [
        report_row(people["bob"], 300, 100, 0.004, 1, 1),
        report_row(people["alice"], 1000, 500, 0.002, 1, 0),
        report_row(people["carol"], 50, 50, 0.0, 1, 0),
    ]
    assert by_user["total"] == total

    # A call counts for each of its user's groups; calls of users in no group under "".
    by_group = await admin.get("/api/admin/usage", by="group")
    assert by_group["rows"] == [
        report_row("engineering", 1300, 600, 0.006, 2, 1),
        report_row("research", 1000, 500, 0.002, 1, 0),
        report_row("", 50, 50, 0.0, 1, 0),
    ]
    assert by_group["total"] == total  # each call once

    by_model = await admin.get("/api/admin/usage", by="model")
    assert by_model["rows"] == [
        report_row("beta", 300, 100, 0.004, 1, 1),
        report_row("alpha", 1050, 550, 0.002, 2, 0),
    ]
    by_day = await admin.get("/api/admin/usage", by="day")
    assert by_day["rows"] == [  # oldest first
        report_row((today - timedelta(days=2)).isoformat(), 50, 50, 0.0, 1, 0),
        report_row(today.isoformat(), 1300, 600, 0.006, 2, 1),
    ]

    # A range: only the calls recorded on its days.
    earlier = await admin.get(
        "/api/admin/usage",
        since=(today - timedelta(days=45)).isoformat(),
        until=(today - timedelta(days=1)).isoformat(),
    )
    assert [r["key"] for r in earlier["rows"]] == [people["carol"], people["dave"]]
    assert earlier["total"]["calls"] == 2
    recent = await admin.get("/api/admin/usage", since=today.isoformat())
    assert {r["key"] for r in recent["rows"]} == {people["alice"], people["bob"]}
    empty = await admin.get("/api/admin/usage", since="2001-01-01", until="2001-01-31")
    assert (empty["rows"], empty["total"]) == ([], {**numbers(0, 0, 0.0, 0), "estimated_calls": 0})


async def test_the_csv_download_has_exact_costs(chat: Chat, people: dict[str, str]) -> None:
    admin = Admin(chat)
    today = datetime.now(UTC).date()
    since, until = (today - timedelta(days=60)).isoformat(), today.isoformat()
    answer = await chat.http.get(
        "/api/admin/usage",
        params={"by": "group", "since": since, "until": until, "format": "csv"},
        headers=admin.user.headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="parley-usage-group-{since}-{until}.csv"'
    )
    assert list(csv.reader(io.StringIO(answer.text))) == [
        ["group", "input_tokens", "output_tokens", "tokens", "cost", "calls", "estimated_calls"],
        ["engineering", "1300", "600", "1900", "0.006", "2", "1"],
        ["research", "1000", "500", "1500", "0.002", "1", "0"],
        ["", "59", "59", "118", "0", "2", "0"],
    ]


async def test_a_csv_cell_never_starts_a_formula(chat: Chat, db_url: str) -> None:
    # A token's subject is any text auth signed: a spreadsheet must not run it.
    record(db_url, '=HYPERLINK("http://x")', tokens_in=1, tokens_out=1)
    answer = await chat.http.get(
        "/api/admin/usage", params={"format": "csv"}, headers=Admin(chat).user.headers
    )
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][0] == "user" and rows[1][0] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-03-02", "until": "2026-03-01"},
        {"since": "2025-01-01", "until": "2026-01-02"},  # 367 days
        {"since": "yesterday"},
        {"until": "2026-02-30"},
        {"until": "9999-12-31"},
        {"until": "0001-01-05"},  # the default 30 days would start before year 1
        {"by": "team"},
        {"format": "xml"},
    ],
)
async def test_bad_report_requests_are_422s(chat: Chat, params: dict[str, str]) -> None:
    answer = await chat.http.get(
        "/api/admin/usage", params=params, headers=Admin(chat).user.headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]


async def test_a_range_of_366_days_is_taken(chat: Chat) -> None:
    admin = Admin(chat)
    full = await admin.get("/api/admin/usage", since="2024-01-01", until="2024-12-31")  # leap year
    assert (full["since"], full["until"], full["rows"]) == ("2024-01-01", "2024-12-31", [])
