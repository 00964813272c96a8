"""Catalog changes through the admin API reach auth's audit log: who, what, from where, the
names of the fields changed and never a key; kept through an auth outage, in order, and
deleted once delivered.

Auth's ``POST /auth/internal/audit`` is a CONTRACT STAND-IN here (audit_log_standin.py, a
real HTTP server this test starts): chat's own unit tests only. The system tests run chat
against the real auth route.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import psycopg
import pytest
from parley_testing import LlmStub, json_lines
from parley_testing import TestKey as Key

from .account_feed_standin import SERVICE_TOKEN, AccountFeedStandIn
from .audit_log_standin import AuditLogStandIn, serve_auth
from .catalog_support import model_body, provider_body
from .conftest import Chat, running_chat
from .test_account_changes import eventually

SECRET = "fHBsfmPp6Hc5tVpbqTT7jHtMq5rkmmy6qvQpPqVdN6Q="  # a Fernet key, for tests only
API_KEY = "sk-live-never-in-the-audit-log"
NEW_KEY = "sk-rotated-never-in-the-audit-log"
AGENT = "parley-admin-console/1.0 " + "x" * 400


@pytest.fixture
def audit_log() -> AuditLogStandIn:
    return AuditLogStandIn()


@pytest.fixture
def auth_url(audit_log: AuditLogStandIn) -> Iterator[str]:
    with serve_auth(AccountFeedStandIn(), audit_log) as url:
        yield url


@pytest.fixture
def audited(make_settings: Any, auth_url: str) -> Callable[..., Any]:
    def make(**overrides: Any) -> Any:
        values = {
            "AUTH_URL": auth_url,
            "SERVICE_TOKEN": SERVICE_TOKEN,
            "CATALOG_SECRET_KEY": SECRET,
        }
        return make_settings(**{**values, **overrides})

    return make


@pytest.fixture
async def chat(audited: Callable[..., Any], signing_key: Key) -> AsyncIterator[Chat]:
    async with running_chat(audited(), signing_key) as running:
        yield running


class Admin:
    """An admin with an email claim, calling through the gateway from 203.0.113.7."""

    def __init__(self, chat: Chat) -> None:
        self.id = str(uuid.uuid4())
        self.email = "root@example.org"
        token = chat.signing_key.token(self.id, role="admin", email=self.email)
        self.headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": AGENT,
            # Chat trusts its peer (127.0.0.1, FORWARDED_ALLOW_IPS) as it trusts the gateway.
            "X-Forwarded-For": "203.0.113.7",
        }
        self.chat = chat

    async def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = await self.chat.http.request(method, path, json=body, headers=self.headers)
        assert response.status_code == status, response.text
        return response


def outbox(db_url: str) -> list[str]:
    """The kinds waiting in chat's outbox, oldest first."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT kind FROM ai.parley_audit_outbox ORDER BY id").fetchall()
    return [r[0] for r in rows]


async def test_every_catalog_change_is_forwarded_with_who_what_and_where(
    chat: Chat, audit_log: AuditLogStandIn, stub: LlmStub, db_url: str
) -> None:
    admin = Admin(chat)
    body = provider_body("local", stub.base_url, api_key=API_KEY)
    await admin.call("POST", "/api/admin/providers", body, 201)
    await admin.call("PATCH", "/api/admin/providers/local", {"api_key": NEW_KEY, "max_retries": 0})
    model = model_body("qwen", "local", display_name="Qwen 7B", groups=["research"])
    await admin.call("POST", "/api/admin/models", model, 201)
    patch = {"groups": ["research", "staff"], "display_name": "Qwen", "enabled": True}
    await admin.call("PATCH", "/api/admin/models/qwen", patch)
    await admin.call("DELETE", "/api/admin/models/qwen", status=204)
    await admin.call("DELETE", "/api/admin/providers/local", status=204)
    # Refused changes are not events.
    await admin.call("DELETE", "/api/admin/models/qwen", status=404)
    await admin.call("PATCH", "/api/admin/models/stub-model", {"enabled": False}, 409)

    await eventually(lambda: len(audit_log.bodies()) == 6)
    received = audit_log.bodies()
    host = stub.base_url.split("//")[1].split("/")[0]
    assert [
        (b["kind"], b["target_type"], b["target_id"], b.get("target_label")) for b in received
    ] == [
        ("catalog.provider_created", "provider", "local", f"vllm at {host}"),
        ("catalog.provider_updated", "provider", "local", f"vllm at {host}"),
        ("catalog.model_created", "model", "qwen", "Qwen 7B"),
        ("catalog.model_updated", "model", "qwen", "Qwen"),
        ("catalog.model_deleted", "model", "qwen", "Qwen"),
        ("catalog.provider_deleted", "provider", "local", f"vllm at {host}"),
    ]
    assert [b["detail"] for b in received] == [
        {"fields": ["api_key", "base_url", "kind"]},
        {"fields": ["api_key", "max_retries"]},
        {"fields": ["context_tokens", "display_name", "groups", "max_output_tokens", "provider"]},
        {"fields": ["display_name", "groups"]},  # enabled was given but did not change
        {},
        {},
    ]
    for sent in received:
        assert sent["actor_id"] == admin.id
        assert sent["actor_email"] == admin.email
        assert sent["client_ip"] == "203.0.113.7"
        assert sent["user_agent"] == AGENT[:300]
        assert sent["at"].endswith("Z")
    everything = json.dumps(received)
    assert API_KEY not in everything and NEW_KEY not in everything
    assert outbox(db_url) == []  # each deleted once auth took it


async def test_events_wait_out_an_auth_outage_in_order(
    chat: Chat, audit_log: AuditLogStandIn, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = Admin(chat)
    audit_log.refuse_next = 10**6  # auth answers 503 until the test says otherwise
    await admin.call("POST", "/api/admin/models", model_body("a", "default"), 201)
    await admin.call("PATCH", "/api/admin/models/a", {"display_name": "A"})
    await eventually(lambda: audit_log.answers.count(503) >= 2)  # tried, and tried again
    assert audit_log.bodies() == []
    assert outbox(db_url) == ["catalog.model_created", "catalog.model_updated"]
    assert _metric(await chat.http.get("/metrics"), "audit_forward_failures_total") >= 2

    audit_log.refuse_next = 0  # auth is back
    await eventually(lambda: len(audit_log.bodies()) == 2, within=40)
    assert [b["kind"] for b in audit_log.bodies()] == [
        "catalog.model_created",
        "catalog.model_updated",
    ]
    assert 503 in audit_log.answers and audit_log.answers[-2:] == [204, 204]
    await eventually(lambda: outbox(db_url) == [])
    assert _metric(await chat.http.get("/metrics"), "audit_events_forwarded_total") == 2
    # One warning for the whole outage, however many attempts, and one line when it ends.
    events = [line["event"] for line in json_lines(capsys.readouterr().out)]
    assert events.count("audit_forwarding_unavailable") == 1
    assert events.count("audit_forwarding_recovered") == 1


async def test_an_event_auth_refuses_as_invalid_is_kept_aside_and_the_rest_go_on(
    chat: Chat, audit_log: AuditLogStandIn, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = Admin(chat)
    audit_log.invalid_target = "odd"
    for model_id in ("odd", "fine"):
        await admin.call("POST", "/api/admin/models", model_body(model_id, "default"), 201)
    await eventually(lambda: len(audit_log.bodies()) == 1)
    assert audit_log.bodies()[0]["target_id"] == "fine"
    with psycopg.connect(db_url) as conn:
        kept = conn.execute(
            "SELECT target_id, rejection FROM ai.parley_audit_outbox WHERE rejected_at IS NOT NULL"
        ).fetchall()
    assert kept == [("odd", 'HTTP 422: {"detail":"invalid event"}')]
    assert _metric(await chat.http.get("/metrics"), "audit_events_rejected_total") == 1
    [logged] = [
        line
        for line in json_lines(capsys.readouterr().out)
        if line["event"] == "audit_event_rejected"
    ]
    assert (logged["level"], logged["kind"]) == ("error", "catalog.model_created")


async def test_without_auth_the_events_stay_until_a_chat_that_can_send_them(
    make_settings: Any,
    audited: Callable[..., Any],
    audit_log: AuditLogStandIn,
    db_url: str,
    signing_key: Key,
) -> None:
    async with running_chat(make_settings(), signing_key) as chat:  # no AUTH_URL: off
        await Admin(chat).call("POST", "/api/admin/models", model_body("a", "default"), 201)
        assert outbox(db_url) == ["catalog.model_created"]
    assert audit_log.bodies() == []
    async with running_chat(audited(), signing_key):
        await eventually(lambda: len(audit_log.bodies()) == 1, within=15)
        await eventually(lambda: outbox(db_url) == [])
    assert audit_log.bodies()[0]["target_id"] == "a"


def _metric(response: Any, name: str) -> float:
    for line in response.text.splitlines():
        if line.startswith(f"parley_chat_{name} "):
            return float(line.split()[1])
    raise AssertionError(f"no parley_chat_{name} in the metrics")
