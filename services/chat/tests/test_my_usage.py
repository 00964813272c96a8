"""GET /api/usage: a user sees their own usage by UTC day and by model, the budgets that
apply to them (the very ones admission checks: own budgets override 'everyone', group budgets
are shared), what is left of the tightest one, and the per-user limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from parley_testing import TestKey as Key
from pydantic import ValidationError

from .conftest import Chat, running_chat
from .usage_support import Admin, admit, member, my_usage, numbers, record, sql


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def tomorrow_midnight() -> str:
    return (datetime.now(UTC).date() + timedelta(days=1)).isoformat() + "T00:00:00Z"


def next_month() -> str:
    today = datetime.now(UTC).date()
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return first.isoformat() + "T00:00:00Z"


async def test_a_user_sees_their_own_usage_by_day_and_by_model(chat: Chat, db_url: str) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    today = datetime.now(UTC).date()
    prices = {"price_in": "1.5", "price_out": "2"}  # per million tokens
    record(
        db_url, alice.id, "alpha", tokens_in=1000, tokens_out=500, **prices, started_at=noon(today)
    )
    record(
        db_url,
        alice.id,
        "beta",
        tokens_in=200,
        tokens_out=100,
        price_in="10",
        price_out="30",
        started_at=noon(today),
    )
    three_ago = today - timedelta(days=3)
    record(
        db_url,
        alice.id,
        "alpha",
        tokens_in=400,
        tokens_out=100,
        **prices,
        started_at=noon(three_ago),
    )
    record(
        db_url,
        alice.id,
        "alpha",
        tokens_in=7,
        tokens_out=7,
        started_at=noon(today - timedelta(days=40)),
    )
    record(db_url, bob.id, "alpha", tokens_in=9999, tokens_out=1, started_at=noon(today))

    mine = await my_usage(chat, alice)
    assert mine["currency"] == "USD"
    assert (mine["since"], mine["until"]) == (
        (today - timedelta(days=29)).isoformat(),
        today.isoformat(),
    )
    assert mine["today"] == numbers(1200, 600, 0.0075, 2)
    assert mine["by_day"] == [
        {"day": three_ago.isoformat(), **numbers(400, 100, 0.0008, 1)},
        {"day": today.isoformat(), **numbers(1200, 600, 0.0075, 2)},
    ]
    # Most costly first.
    assert mine["by_model"] == [
        {"model": "beta", **numbers(200, 100, 0.005, 1)},
        {"model": "alpha", **numbers(1400, 600, 0.0033, 2)},
    ]
    assert (mine["budgets"], mine["remaining"], mine["low"]) == ([], None, False)
    assert mine["limits"] == {"replies_in_flight": 4, "turns_per_minute": 30}

    # A shorter window: only today's calls.
    short = await my_usage(chat, alice, days=1)
    assert [d["day"] for d in short["by_day"]] == [today.isoformat()]
    assert sum(m["calls"] for m in short["by_model"]) == 2
    # Bob sees his own call only; a user without any calls sees zeros.
    assert (await my_usage(chat, bob))["today"]["input_tokens"] == 9999
    nobody = await my_usage(chat, chat.user("carol"))
    assert nobody["today"] == numbers(0, 0, 0.0, 0)
    assert (nobody["by_day"], nobody["by_model"]) == ([], [])


async def test_days_must_be_1_to_366_and_a_token_is_required(chat: Chat) -> None:
    alice = chat.user("alice")
    for days in ("0", "367", "many"):
        answer = await chat.http.get(f"/api/usage?days={days}", headers=alice.headers)
        assert answer.status_code == 422, days
        assert isinstance(answer.json()["detail"], list)
    assert (await chat.http.get("/api/usage?days=366", headers=alice.headers)).status_code == 200
    assert (await chat.http.get("/api/usage")).status_code == 401
    created = await chat.http.post("/api/keys", json={"name": "script"}, headers=alice.headers)
    key = {"Authorization": f"Bearer {created.json()['key']}"}
    refused = await chat.http.get("/api/usage", headers=key)
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "an API key is accepted on /api/v1 only"},
    )


def usage_of(budget: dict[str, object]) -> tuple[object, ...]:
    return (budget["scope"], budget["scope_id"], budget["period"], budget["used_tokens"])


async def test_own_budgets_override_everyone_and_group_budgets_are_shared(
    chat: Chat, db_url: str
) -> None:
    admin = Admin(chat)
    alice = member(chat, "alice", "engineering")
    bob = member(chat, "bob", "engineering")
    carol = member(chat, "carol")
    await admin.put_budget(scope="everyone", period="day", max_tokens=1000)
    await admin.put_budget(scope="everyone", period="month", max_tokens=100_000)
    await admin.put_budget(scope="user", scope_id=alice.id, period="day", max_tokens=5000)
    await admin.put_budget(scope="group", scope_id="engineering", period="month", max_cost=1)
    await admin.put_budget(scope="group", scope_id="sales", period="day", max_tokens=10)
    eng = ("engineering",)
    record(db_url, alice.id, tokens_in=500, tokens_out=100, groups=eng, price_in="100")
    record(db_url, bob.id, tokens_in=200, tokens_out=100, groups=eng, price_in="100")
    record(db_url, carol.id, tokens_in=50, tokens_out=0)

    alices = (await my_usage(chat, alice))["budgets"]
    # Her own day budget replaces everyone's day budget; everyone's month one still applies.
    assert [usage_of(b) for b in alices] == [
        ("everyone", "", "month", 600),
        ("group", "engineering", "month", 900),  # the group's members together
        ("user", alice.id, "day", 600),
    ]
    group = alices[1]
    assert (group["max_cost"], group["used_cost"], group["remaining_cost"]) == (1.0, 0.07, 0.93)
    assert (group["max_tokens"], group["remaining_tokens"]) == (None, None)
    assert alices[2]["remaining_tokens"] == 4400 and alices[2]["resets_at"] == tomorrow_midnight()
    assert alices[0]["resets_at"] == next_month()

    bobs = (await my_usage(chat, bob))["budgets"]
    assert [usage_of(b) for b in bobs] == [
        ("everyone", "", "day", 300),  # each user on their own
        ("everyone", "", "month", 300),
        ("group", "engineering", "month", 900),
    ]
    carols = (await my_usage(chat, carol))["budgets"]
    assert [usage_of(b) for b in carols] == [
        ("everyone", "", "day", 50),
        ("everyone", "", "month", 50),
    ]

    # Admission checks the same budgets: alice may use what her own day budget leaves (not
    # everyone's 1000), bob what everyone's leaves him.
    assert admit(db_url, alice.id, tokens=4400, groups=eng) is None
    refusal = admit(db_url, bob.id, tokens=701, groups=eng)
    assert refusal is not None and refusal["limit"]["scope"] == "everyone"
    assert admit(db_url, bob.id, tokens=700, groups=eng) is None


async def test_holds_count_until_they_expire_and_remaining_matches_admission(
    chat: Chat, db_url: str
) -> None:
    admin = Admin(chat)
    alice = chat.user("alice")
    budget = await admin.put_budget(
        scope="user", scope_id=alice.id, period="day", max_tokens=1000, max_cost=1
    )
    record(db_url, alice.id, tokens_in=400, tokens_out=0, price_in="250")  # 0.1 USD

    mine = await my_usage(chat, alice)
    [b] = mine["budgets"]
    assert (b["used_tokens"], b["used_cost"], b["held_tokens"], b["held_cost"]) == (
        400,
        0.1,
        0,
        0.0,
    )
    assert (b["remaining_tokens"], b["remaining_cost"]) == (600, 0.9)
    assert mine["remaining"] == {
        "unit": "tokens",
        "amount": 600,
        "fraction": 0.6,
        "resets_at": tomorrow_midnight(),
        "budget_id": budget["id"],
    }
    # Most of the budget is left, but not the worst case of one reply of the default model
    # (a whole history window in, its longest reply out): the next turn would be refused.
    assert mine["next_reply"]["fits"] is False and mine["low"] is True

    # A reply in flight holds its worst case: the user is told how little is left.
    assert admit(db_url, alice.id, tokens=500, cost="0.05", hold_id="run-1") is None
    mine = await my_usage(chat, alice)
    [b] = mine["budgets"]
    assert (b["held_tokens"], b["held_cost"], b["remaining_tokens"]) == (500, 0.05, 100)
    assert (mine["remaining"]["amount"], mine["remaining"]["fraction"], mine["low"]) == (
        100,
        0.1,
        True,
    )
    # Exactly what it says is left is admitted, one more token is not.
    refusal = admit(db_url, alice.id, tokens=101)
    assert refusal is not None and refusal["code"] == "BUDGET_EXCEEDED"
    assert (refusal["limit"]["used"], refusal["limit"]["held"]) == (400, 500)
    assert admit(db_url, alice.id, tokens=100, hold_id="run-2") is None
    assert (await my_usage(chat, alice))["remaining"]["amount"] == 0

    # A crashed replica's hold stops counting when it expires; a settled one becomes usage.
    sql(
        db_url,
        "UPDATE ai.parley_usage_holds SET expires_at = now() - interval '1 s' WHERE id = 'run-1'",
    )
    sql(db_url, "SELECT ai.parley_settle('run-2', 60, 20, false, 'run-2')")
    [b] = (await my_usage(chat, alice))["budgets"]
    assert (b["used_tokens"], b["held_tokens"], b["remaining_tokens"]) == (480, 0, 520)
    assert (await my_usage(chat, alice))["today"]["calls"] == 2


async def test_remaining_names_the_tightest_budget_in_its_tighter_unit(
    chat: Chat, db_url: str
) -> None:
    admin = Admin(chat)
    alice = member(chat, "alice", "research")
    await admin.put_budget(scope="user", scope_id=alice.id, period="month", max_tokens=10_000)
    group = await admin.put_budget(
        scope="group", scope_id="research", period="day", max_tokens=1_000_000, max_cost=0.5
    )
    # 5,000 tokens (half the month's) costing 0.45 of the group's 0.50 a day.
    record(db_url, alice.id, tokens_in=5000, tokens_out=0, groups=("research",), price_in="90")
    mine = await my_usage(chat, alice)
    assert mine["remaining"] == {
        "unit": "cost",
        "amount": 0.05,
        "fraction": 0.1,
        "resets_at": tomorrow_midnight(),
        "budget_id": group["id"],
    }
    assert mine["low"] is True


async def test_the_limits_and_currency_are_the_operators_settings(
    make_settings: Any, signing_key: Key
) -> None:
    settings = make_settings(
        USER_REPLIES_IN_FLIGHT=0, USER_TURNS_PER_MINUTE=5, USAGE_CURRENCY="EUR"
    )
    async with running_chat(settings, signing_key) as chat:
        mine = await my_usage(chat, chat.user("alice"))
    assert mine["limits"] == {"replies_in_flight": 0, "turns_per_minute": 5}  # 0: no limit
    assert mine["currency"] == "EUR"
    for bad in (
        {"USAGE_CURRENCY": "euro"},
        {"USAGE_CURRENCY": "eur"},
        {"USER_TURNS_PER_MINUTE": -1},
    ):
        with pytest.raises(ValidationError):
            make_settings(**bad)
