"""/api/admin/budgets: admins list, set (one budget per scope, scope id and period) and
delete budgets; bad budgets are 422s, members 403, no token 401; every change is an event
in auth's audit log (``budget.set``, ``budget.deleted``).

Auth's ``POST /auth/internal/audit`` is a CONTRACT STAND-IN here (audit_log_standin.py); the
system tests run chat against the real route.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from parley_testing import TestKey as Key

from .account_feed_standin import SERVICE_TOKEN, AccountFeedStandIn
from .audit_log_standin import AuditLogStandIn, serve_auth
from .catalog_support import headers
from .conftest import Chat, running_chat
from .test_account_changes import eventually
from .usage_support import Admin, member, record

ROUTES = [
    ("GET", "/api/admin/budgets", None),
    ("PUT", "/api/admin/budgets", {"scope": "everyone", "period": "day", "max_tokens": 1}),
    ("DELETE", f"/api/admin/budgets/{uuid.uuid4()}", None),
    ("GET", "/api/admin/usage", None),
]


@pytest.fixture
def audit_log() -> AuditLogStandIn:
    return AuditLogStandIn()


@pytest.fixture
def auth_url(audit_log: AuditLogStandIn) -> Iterator[str]:
    with serve_auth(AccountFeedStandIn(), audit_log) as url:
        yield url


@pytest.fixture
async def chat(make_settings: Any, auth_url: str, signing_key: Key) -> AsyncIterator[Chat]:
    settings = make_settings(AUTH_URL=auth_url, SERVICE_TOKEN=SERVICE_TOKEN)
    async with running_chat(settings, signing_key) as running:
        yield running


async def test_only_admins_reach_the_budget_and_usage_admin_api(chat: Chat) -> None:
    for method, path, body in ROUTES:
        member_answer = await chat.http.request(method, path, json=body, headers=headers(chat))
        assert (member_answer.status_code, member_answer.json()) == (
            403,
            {"detail": "admin only"},
        ), path
        anonymous = await chat.http.request(method, path, json=body)
        assert anonymous.status_code == 401, path


async def test_an_admin_sets_replaces_lists_and_deletes_budgets(
    chat: Chat, db_url: str, audit_log: AuditLogStandIn
) -> None:
    admin = Admin(chat)
    alice = member(chat, "alice", "engineering")
    record(db_url, alice.id, tokens_in=300, tokens_out=100, groups=("engineering",), price_in="10")

    group = await admin.put_budget(
        scope="group", scope_id="engineering", period="month", max_tokens=10_000
    )
    assert {k: group[k] for k in ("scope", "scope_id", "period", "max_tokens", "max_cost")} == {
        "scope": "group",
        "scope_id": "engineering",
        "period": "month",
        "max_tokens": 10_000,
        "max_cost": None,
    }
    assert (group["used_tokens"], group["remaining_tokens"], group["used_cost"]) == (
        400,
        9600,
        0.003,
    )
    # The same scope, scope id and period: replaced whole (same id), not a second budget.
    replaced = await admin.put_budget(
        scope="group", scope_id="engineering", period="month", max_cost="12.5"
    )
    assert replaced["id"] == group["id"]
    assert (replaced["max_tokens"], replaced["max_cost"], replaced["remaining_cost"]) == (
        None,
        12.5,
        12.497,
    )
    # A user id in any UUID spelling is stored as auth writes it.
    own = await admin.put_budget(
        scope="user", scope_id=alice.id.upper(), period="day", max_tokens=500
    )
    assert (own["scope_id"], own["used_tokens"], own["remaining_tokens"]) == (alice.id, 400, 100)
    everyone = await admin.put_budget(scope="everyone", scope_id="", period="day", max_tokens=50)

    listed = (await admin.get("/api/admin/budgets"))["budgets"]
    assert [(b["id"], b["scope"], b["period"]) for b in listed] == [
        (everyone["id"], "everyone", "day"),
        (group["id"], "group", "month"),
        (own["id"], "user", "day"),
    ]
    # Each user has their own usage of an 'everyone' budget: none is listed for it.
    assert {k: listed[0][k] for k in ("used_tokens", "held_cost", "remaining_tokens")} == {
        "used_tokens": None,
        "held_cost": None,
        "remaining_tokens": None,
    }

    gone = await chat.http.delete(f"/api/admin/budgets/{own['id']}", headers=admin.user.headers)
    assert gone.status_code == 204
    again = await chat.http.delete(f"/api/admin/budgets/{own['id']}", headers=admin.user.headers)
    assert (again.status_code, again.json()) == (404, {"detail": "budget not found"})
    bad = await chat.http.delete("/api/admin/budgets/not-a-uuid", headers=admin.user.headers)
    assert bad.status_code == 422
    assert len((await admin.get("/api/admin/budgets"))["budgets"]) == 2

    # Every change is in auth's audit log: who, which budget, before and after.
    await eventually(lambda: len(audit_log.bodies()) == 5, within=20.0)
    events = audit_log.bodies()
    assert [(e["kind"], e["target_id"]) for e in events] == [
        ("budget.set", group["id"]),
        ("budget.set", group["id"]),
        ("budget.set", own["id"]),
        ("budget.set", everyone["id"]),
        ("budget.deleted", own["id"]),
    ]
    assert {(e["target_type"], e["actor_id"]) for e in events} == {("budget", admin.id)}
    assert [e["target_label"] for e in events[1:]] == [
        "group engineering / month",
        f"user {alice.id} / day",
        "everyone / day",
        f"user {alice.id} / day",
    ]
    assert events[0]["detail"]["before"] is None
    assert events[1]["detail"] == {
        "scope": "group",
        "scope_id": "engineering",
        "period": "month",
        "before": {"max_tokens": 10_000, "max_cost": None},
        "after": {"max_tokens": None, "max_cost": "12.5"},
    }
    assert events[4]["detail"]["after"] is None


BAD_BUDGETS: list[dict[str, Any]] = [
    {"scope": "group", "scope_id": "", "period": "day", "max_tokens": 1},
    {"scope": "group", "scope_id": "Engineering!", "period": "day", "max_tokens": 1},
    {"scope": "everyone", "scope_id": "engineering", "period": "day", "max_tokens": 1},
    {"scope": "user", "scope_id": "alice", "period": "day", "max_tokens": 1},
    {"scope": "user", "scope_id": "", "period": "day", "max_tokens": 1},
    {"scope": "team", "scope_id": "x", "period": "day", "max_tokens": 1},
    {"scope": "everyone", "period": "week", "max_tokens": 1},
    {"scope": "everyone", "period": "day"},
    {"scope": "everyone", "period": "day", "max_tokens": None, "max_cost": None},
    {"scope": "everyone", "period": "day", "max_tokens": -1},
    {"scope": "everyone", "period": "day", "max_tokens": 10**15 + 1},
    {"scope": "everyone", "period": "day", "max_tokens": 1.5},
    {"scope": "everyone", "period": "day", "max_tokens": True},
    {"scope": "everyone", "period": "day", "max_tokens": "100"},
    {"scope": "everyone", "period": "day", "max_cost": -0.01},
    {"scope": "everyone", "period": "day", "max_cost": 10**12 + 1},
    {"scope": "everyone", "period": "day", "max_cost": "0.0000001"},
    {"scope": "everyone", "period": "day", "max_cost": "NaN"},
    {"scope": "everyone", "period": "day", "max_cost": "Infinity"},
    {"scope": "everyone", "period": "day", "max_tokens": 1, "limit": 2},
    {"scope": "group", "scope_id": "x" * 65, "period": "day", "max_tokens": 1},
]


async def test_bad_budgets_are_422s_and_change_nothing(
    chat: Chat, audit_log: AuditLogStandIn
) -> None:
    admin = Admin(chat)
    for body in BAD_BUDGETS:
        detail = (await admin.put_budget(status=422, **body))["detail"]
        assert detail, body
    assert (await admin.get("/api/admin/budgets"))["budgets"] == []
    # The edges are accepted: 0 (nothing may be spent), 10^15 tokens, 10^12 at 6 places.
    zero = await admin.put_budget(scope="everyone", period="day", max_tokens=0)
    assert (zero["max_tokens"], zero["remaining_tokens"]) == (0, None)
    top = await admin.put_budget(
        scope="everyone", period="month", max_tokens=10**15, max_cost="999999999999.999999"
    )
    assert (top["max_tokens"], top["max_cost"]) == (10**15, 999999999999.999999)
    await eventually(lambda: len(audit_log.bodies()) == 2, within=20.0)
    assert audit_log.bodies()[1]["detail"]["after"] == {
        "max_tokens": 10**15,
        "max_cost": "999999999999.999999",  # exact in the audit log
    }
