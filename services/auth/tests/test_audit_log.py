"""The audit log itself: append-only, purged past its retention, read by admins with filters
and paging, fed by chat through the internal route."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from parley_auth.config import Settings
from parley_auth.housekeeping import run_purge

from .conftest import Auth, AuthFactory, bearer
from .test_account_changes import SERVICE_TOKEN

AUDIT = "/auth/admin/audit"
INTERNAL = "/auth/internal/audit"


def seed(auth: Auth, kind: str, age: str, target: str = "t") -> None:
    auth.sql(
        "INSERT INTO audit_events (at, kind, target_id) VALUES (now() - %s::interval, %s, %s)",
        age,
        kind,
        target,
    )


async def test_the_log_refuses_updates_and_deletes(auth: Auth) -> None:
    seed(auth, "login.failed", "1 minute")
    for statement in ("UPDATE audit_events SET kind = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            auth.sql(statement)
    # The purge's flag lets a DELETE through, never an UPDATE.
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        auth.sql("SET parley.audit_purge = 'on'; UPDATE audit_events SET kind = 'x'")
    assert auth.sql("SELECT kind FROM audit_events") == [("login.failed",)]


async def test_the_purge_deletes_only_events_past_the_retention(
    make_settings: Callable[..., Settings], database_url: str
) -> None:
    # No app running: its own purge round must not race this one.
    settings = make_settings(AUDIT_RETENTION_DAYS=30)

    def sql(statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(database_url, autocommit=True) as conn:
            cursor = conn.execute(statement, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    insert = "INSERT INTO audit_events (at, kind) VALUES (now() - %s::interval, %s)"
    sql(insert, "31 days", "old")
    sql(insert, "29 days", "recent")
    purged = await run_purge(settings)
    assert purged.ran and purged.audit_events == 1
    assert sql("SELECT kind FROM audit_events") == [("recent",)]
    sql(insert, "3000 days", "ancient")
    forever = make_settings(AUDIT_RETENTION_DAYS=0)
    assert (await run_purge(forever)).audit_events == 0
    assert sorted(sql("SELECT kind FROM audit_events")) == [("ancient",), ("recent",)]


async def post_event(auth: Auth, token: str, **overrides: Any) -> Any:
    body = {
        "kind": "catalog.model_updated",
        "actor_id": "6f1c1d3e-0000-4000-8000-000000000001",
        "actor_email": "admin@example.com",
        "target_type": "model",
        "target_id": "gpt-small",
        "target_label": "GPT small",
        "client_ip": "192.0.2.4",
        "user_agent": "Firefox",
        "detail": {"changed": ["groups"]},
        "at": "2026-12-01T10:00:00+00:00",
        **overrides,
    }
    return await auth.client.post(INTERNAL, headers=bearer(token), json=body)


async def test_chat_forwards_catalog_events_with_the_service_token(make_auth: AuthFactory) -> None:
    async with make_auth(SERVICE_TOKEN=SERVICE_TOKEN) as auth:
        _, admin = await auth.admin("admin@example.com")
        assert (await post_event(auth, SERVICE_TOKEN)).status_code == 204
        for token in ("wrong", admin):
            assert (await post_event(auth, token)).status_code == 401
        for bad in (
            {"kind": "user.deleted"},
            {"kind": "login.succeeded"},
            {"target_type": "user"},
            {"at": "yesterday"},
            {"at": "2026-12-01T10:00:00"},
        ):
            assert (await post_event(auth, SERVICE_TOKEN, **bad)).status_code == 422, bad
        answer = await auth.client.get(AUDIT, params={"kind": "catalog."}, headers=bearer(admin))
        [event] = answer.json()["items"]
        assert event["kind"] == "catalog.model_updated" and event["target_id"] == "gpt-small"
        assert datetime.fromisoformat(event["at"]) == datetime(2026, 12, 1, 10, tzinfo=UTC)
        assert event["actor_email"] == "admin@example.com" and event["user_agent"] == "Firefox"
        assert event["client_ip"] == "192.0.2.4" and event["detail"] == {"changed": ["groups"]}


async def test_chat_forwards_api_key_events(make_auth: AuthFactory) -> None:
    """A key created or revoked in chat is in the log, findable by its kind and target."""
    async with make_auth(SERVICE_TOKEN=SERVICE_TOKEN) as auth:
        _, admin = await auth.admin("admin@example.com")
        key_id = "0b8e8f0e-0000-4000-8000-00000000000a"
        for kind in ("apikey.created", "apikey.revoked"):
            sent = await post_event(
                auth,
                SERVICE_TOKEN,
                kind=kind,
                target_type="api_key",
                target_id=key_id,
                target_label="laptop (pk-parley-abcdefgh)",
                detail={"owner": "6f1c1d3e-0000-4000-8000-000000000002"},
            )
            assert sent.status_code == 204, sent.text
        for bad in ({"kind": "apikeys.created"}, {"target_type": "key"}):
            assert (await post_event(auth, SERVICE_TOKEN, **bad)).status_code == 422, bad
        answer = await auth.client.get(AUDIT, params={"kind": "apikey."}, headers=bearer(admin))
        events = answer.json()["items"]
        assert sorted(e["kind"] for e in events) == ["apikey.created", "apikey.revoked"]
        assert {(e["target_type"], e["target_id"]) for e in events} == {("api_key", key_id)}
        assert events[0]["target_label"] == "laptop (pk-parley-abcdefgh)"


async def test_chat_forwards_budget_events(make_auth: AuthFactory) -> None:
    """A usage budget set or deleted by an admin in chat is in the log under ``budget.``."""
    async with make_auth(SERVICE_TOKEN=SERVICE_TOKEN) as auth:
        _, admin = await auth.admin("admin@example.com")
        budget_id = "5d0c4f3a-0000-4000-8000-00000000000b"
        for kind in ("budget.set", "budget.deleted"):
            sent = await post_event(
                auth,
                SERVICE_TOKEN,
                kind=kind,
                target_type="budget",
                target_id=budget_id,
                target_label="group engineering / month",
                detail={"scope": "group", "scope_id": "engineering", "period": "month"},
            )
            assert sent.status_code == 204, sent.text
        for bad in ({"kind": "budgets.set"}, {"target_type": "quota"}):
            assert (await post_event(auth, SERVICE_TOKEN, **bad)).status_code == 422, bad
        answer = await auth.client.get(AUDIT, params={"kind": "budget."}, headers=bearer(admin))
        events = answer.json()["items"]
        assert sorted(e["kind"] for e in events) == ["budget.deleted", "budget.set"]
        assert {(e["target_type"], e["target_id"]) for e in events} == {("budget", budget_id)}
        assert events[0]["target_label"] == "group engineering / month"


async def test_a_forwarded_event_without_an_email_names_the_admin_by_address(
    make_auth: AuthFactory,
) -> None:
    """Chat's tokens carry no email: the log fills in the acting admin's address."""
    async with make_auth(SERVICE_TOKEN=SERVICE_TOKEN) as auth:
        user, admin = await auth.admin("catalog-admin@example.com")
        sent = await post_event(auth, SERVICE_TOKEN, actor_id=user["id"], actor_email=None)
        assert sent.status_code == 204, sent.text
        answer = await auth.client.get(AUDIT, params={"kind": "catalog."}, headers=bearer(admin))
        [event] = answer.json()["items"]
        assert event["actor_id"] == user["id"]
        assert event["actor_email"] == "catalog-admin@example.com"


async def test_without_a_service_token_the_internal_audit_route_is_off(auth: Auth) -> None:
    assert (await post_event(auth, "anything")).status_code == 404


async def test_admins_read_the_log_with_filters_and_paging(auth: Auth) -> None:
    admin, token = await auth.admin("admin@example.com")
    bob, _ = await auth.user("bob@example.com")
    await auth.login("bob@example.com", "wrong password!")
    for n in range(12):
        seed(auth, "catalog.model_updated", f"{n} hours", target=f"m{n}")
    headers = bearer(token)

    async def read(**params: Any) -> list[dict[str, Any]]:
        response = await auth.client.get(AUDIT, params=params, headers=headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    everything = await read(limit=200)
    times = [datetime.fromisoformat(e["at"]) for e in everything]
    assert times == sorted(times, reverse=True)
    by_bob = await read(actor=bob["id"])
    assert {e["kind"] for e in by_bob} == {"user.registered", "login.succeeded"}
    assert await read(actor="BOB@example.com") == by_bob
    assert {e["kind"] for e in await read(actor=admin["id"])} >= {"login.succeeded"}
    assert [e["kind"] for e in await read(target=bob["id"], kind="login.failed")] == [
        "login.failed"
    ]
    logins = await read(kind="login.")
    assert {e["kind"] for e in logins} == {"login.succeeded", "login.failed"}
    assert await read(kind="login") == []
    since = (datetime.now(UTC) - timedelta(hours=5, minutes=30)).isoformat()
    until = (datetime.now(UTC) - timedelta(hours=1, minutes=30)).isoformat()
    window = await read(kind="catalog.model_updated", since=since, until=until)
    assert [e["target_id"] for e in window] == ["m2", "m3", "m4", "m5"]

    pages: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = (await auth.client.get(AUDIT, params=params, headers=headers)).json()
        pages.extend(str(e["id"]) for e in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [str(e["id"]) for e in everything]
    for bad in ({"cursor": "zz"}, {"since": "2026-01-01T00:00:00"}, {"limit": 0}):
        assert (await auth.client.get(AUDIT, params=bad, headers=headers)).status_code == 422
