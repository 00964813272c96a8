"""API keys: shown once and stored only as a hash, listed without their secret, accepted on
the key routes of /api (``GET /api/keys/current``), refused at once when revoked or expired
and within one poll when the owner is deactivated, gone with a deleted owner, limited per user,
and never a way to manage keys or reach the admin API.

Auth's feed and audit route are CONTRACT STAND-INS here (account_feed_standin.py,
audit_log_standin.py); the system tests run chat against auth itself.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from parley_testing import TestKey as Key

from .account_feed_standin import SERVICE_TOKEN, AccountFeedStandIn
from .audit_log_standin import AuditLogStandIn, serve_auth
from .catalog_support import headers
from .conftest import Chat, User, running_chat
from .feed_fixtures import POLL
from .test_account_changes import eventually


@pytest.fixture
def feed() -> AccountFeedStandIn:
    return AccountFeedStandIn()


@pytest.fixture
def audit_log() -> AuditLogStandIn:
    return AuditLogStandIn()


@pytest.fixture
def auth_url(feed: AccountFeedStandIn, audit_log: AuditLogStandIn) -> Iterator[str]:
    with serve_auth(feed, audit_log) as url:
        yield url


@pytest.fixture
async def chat(make_settings: Any, auth_url: str, signing_key: Key) -> AsyncIterator[Chat]:
    settings = make_settings(
        AUTH_URL=auth_url, SERVICE_TOKEN=SERVICE_TOKEN, ACCOUNT_CHANGES_POLL_SECONDS=POLL
    )
    async with running_chat(settings, signing_key) as running:
        yield running


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def create_key(chat: Chat, user: User, name: str = "laptop", **body: Any) -> dict[str, Any]:
    response = await chat.http.post("/api/keys", json={"name": name, **body}, headers=user.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def key_status(chat: Chat, key: str) -> int:
    """The status of a request made with ``key`` alone."""
    response = await chat.http.get("/api/keys/current", headers=bearer(key))
    return int(response.status_code)


async def test_a_key_is_shown_once_stored_as_its_hash_and_works(chat: Chat, db_url: str) -> None:
    alice = chat.user("alice")
    created = await create_key(chat, alice, "  my laptop ")
    key = created["key"]
    assert key.startswith("pk-parley-") and len(key) == 50
    assert created["prefix"] == key[:18] and created["name"] == "my laptop"
    assert created["last_used_at"] is None and created["revoked_at"] is None

    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT * FROM ai.parley_api_keys").fetchall()
    assert len(rows) == 1
    assert hashlib.sha256(key.encode()).hexdigest() in rows[0]
    assert not any(key in str(column) for column in rows[0])

    listed = (await chat.http.get("/api/keys", headers=alice.headers)).json()["items"]
    assert [(k["id"], k["prefix"]) for k in listed] == [(created["id"], created["prefix"])]
    assert "key" not in listed[0] and key not in str(listed)

    current = await chat.http.get("/api/keys/current", headers=bearer(key))
    assert current.status_code == 200, current.text
    assert current.json() == {
        "id": created["id"],
        "name": "my laptop",
        "prefix": created["prefix"],
        "user_id": alice.id,
    }
    # Another user sees none of it; a near miss of the key is no key.
    assert (await chat.http.get("/api/keys", headers=chat.user("bob").headers)).json() == {
        "items": []
    }
    near = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert await key_status(chat, near) == 401

    # The use is noted shortly after, off the request path.
    async def used() -> bool:
        keys = (await chat.http.get("/api/keys", headers=alice.headers)).json()["items"]
        return keys[0]["last_used_at"] is not None

    await eventually(used, within=20.0)


async def test_a_revoked_key_is_refused_at_once_and_listed_as_revoked(chat: Chat) -> None:
    alice = chat.user("alice")
    created = await create_key(chat, alice)
    assert await key_status(chat, created["key"]) == 200
    # Not bob's to revoke.
    bob = chat.user("bob")
    other = await chat.http.delete(f"/api/keys/{created['id']}", headers=bob.headers)
    assert other.status_code == 404
    revoked = await chat.http.delete(f"/api/keys/{created['id']}", headers=alice.headers)
    assert revoked.status_code == 204
    refused = await chat.http.get("/api/keys/current", headers=bearer(created["key"]))
    assert (refused.status_code, refused.json()) == (401, {"detail": "invalid_api_key"})
    listed = (await chat.http.get("/api/keys", headers=alice.headers)).json()["items"]
    assert listed[0]["revoked_at"] is not None
    again = await chat.http.delete(f"/api/keys/{created['id']}", headers=alice.headers)
    assert again.status_code == 204
    missing = await chat.http.delete(f"/api/keys/{uuid.uuid4()}", headers=alice.headers)
    assert missing.status_code == 404


async def test_an_expired_key_is_refused(chat: Chat, db_url: str) -> None:
    alice = chat.user("alice")
    soon = datetime.now(UTC) + timedelta(days=1)
    created = await create_key(chat, alice, expires_at=soon.isoformat())
    assert await key_status(chat, created["key"]) == 200
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE ai.parley_api_keys SET expires_at = now() - interval '1 second' WHERE id = %s",
            (created["id"],),
        )
    assert await key_status(chat, created["key"]) == 401


@pytest.mark.parametrize(
    "expires_at",
    [
        (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        (datetime.now(UTC) + timedelta(days=800)).isoformat(),
        "2030-01-01T00:00:00",  # no offset
        "tomorrow",
    ],
)
async def test_an_expiry_in_the_past_too_far_or_unclear_is_refused(
    chat: Chat, expires_at: str
) -> None:
    body = {"name": "k", "expires_at": expires_at}
    response = await chat.http.post("/api/keys", json=body, headers=chat.user().headers)
    assert response.status_code == 422, response.text


async def test_a_deactivated_owners_keys_stop_within_one_poll(
    chat: Chat, feed: AccountFeedStandIn
) -> None:
    alice = chat.user("alice")
    key = (await create_key(chat, alice))["key"]
    feed.change(alice.id, active=False)

    async def refused() -> bool:
        return await key_status(chat, key) == 401

    await eventually(refused, within=10.0)
    response = await chat.http.get("/api/keys/current", headers=bearer(key))
    assert response.json() == {"detail": "account deactivated"}
    feed.change(alice.id, active=True)

    async def accepted() -> bool:
        return await key_status(chat, key) == 200

    await eventually(accepted, within=10.0)


async def test_a_deleted_owners_keys_are_gone(
    chat: Chat, feed: AccountFeedStandIn, db_url: str
) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    key = (await create_key(chat, alice))["key"]
    bobs = (await create_key(chat, bob))["key"]
    feed.change(alice.id, deleted=True)

    def alice_keys() -> int:
        with psycopg.connect(db_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM ai.parley_api_keys WHERE user_id = %s", (alice.id,)
            ).fetchone()
        return int(row[0]) if row else -1

    await eventually(lambda: alice_keys() == 0, within=10.0)
    assert await key_status(chat, key) == 401
    assert await key_status(chat, bobs) == 200


async def test_at_most_fifty_unrevoked_keys(chat: Chat) -> None:
    alice = chat.user("alice")
    first = await create_key(chat, alice, "0")
    for n in range(1, 50):
        await create_key(chat, alice, str(n))
    refused = await chat.http.post("/api/keys", json={"name": "51"}, headers=alice.headers)
    assert (refused.status_code, refused.json()) == (409, {"detail": "too many keys"})
    await chat.http.delete(f"/api/keys/{first['id']}", headers=alice.headers)
    await create_key(chat, alice, "50 again")
    listed = (await chat.http.get("/api/keys", headers=alice.headers)).json()["items"]
    assert len(listed) == 51 and listed[0]["name"] == "50 again"


async def test_a_key_cannot_manage_keys_nor_reach_the_admin_api(chat: Chat) -> None:
    admin_id = str(uuid.uuid4())
    admin = User(admin_id, chat.signing_key.token(admin_id, role="admin"))
    created = await create_key(chat, admin)
    key = bearer(created["key"])
    assert (await chat.http.get("/api/keys/current", headers=key)).status_code == 200
    for method, path, body in (
        ("POST", "/api/keys", {"name": "more"}),
        ("GET", "/api/keys", None),
        ("DELETE", f"/api/keys/{created['id']}", None),
        ("GET", "/api/admin/keys", None),
        ("GET", "/api/admin/models", None),
        ("GET", "/api/chats", None),
    ):
        response = await chat.http.request(method, path, json=body, headers=key)
        assert response.status_code == 403, (method, path, response.text)
    # The key was not revoked by the refused DELETE.
    assert (await chat.http.get("/api/keys/current", headers=key)).status_code == 200


async def test_an_admin_lists_and_revokes_anyones_key(
    chat: Chat, audit_log: AuditLogStandIn
) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    alices = await create_key(chat, alice, "alice's")
    bobs = await create_key(chat, bob, "bob's")
    admin_id = str(uuid.uuid4())
    admin = {
        "Authorization": f"Bearer {chat.signing_key.token(admin_id, role='admin')}",
        "X-Forwarded-For": "203.0.113.7",
    }
    everyone = (await chat.http.get("/api/admin/keys", headers=admin)).json()
    assert [(k["id"], k["user_id"]) for k in everyone["items"]] == [
        (bobs["id"], bob.id),
        (alices["id"], alice.id),
    ]
    assert everyone["next_cursor"] is None and "pk-parley-" not in str(everyone).replace(
        bobs["prefix"], ""
    ).replace(alices["prefix"], "")
    first = (await chat.http.get("/api/admin/keys?limit=1", headers=admin)).json()
    assert [k["id"] for k in first["items"]] == [bobs["id"]]
    rest = await chat.http.get(f"/api/admin/keys?cursor={first['next_cursor']}", headers=admin)
    assert [k["id"] for k in rest.json()["items"]] == [alices["id"]]
    only = await chat.http.get(f"/api/admin/keys?user_id={alice.id}", headers=admin)
    assert [k["id"] for k in only.json()["items"]] == [alices["id"]]
    bad = await chat.http.get("/api/admin/keys?cursor=nonsense", headers=admin)
    assert bad.status_code == 422

    revoked = await chat.http.delete(f"/api/admin/keys/{alices['id']}", headers=admin)
    assert revoked.status_code == 204
    assert await key_status(chat, alices["key"]) == 401
    assert await key_status(chat, bobs["key"]) == 200
    missing = await chat.http.delete(f"/api/admin/keys/{uuid.uuid4()}", headers=admin)
    assert missing.status_code == 404
    member = await chat.http.get("/api/admin/keys", headers=headers(chat))
    assert (member.status_code, member.json()) == (403, {"detail": "admin only"})

    # Audit: created twice by their owners, revoked by the admin, from the admin's address.
    await eventually(lambda: len(audit_log.bodies()) == 3, within=20.0)
    events = audit_log.bodies()
    assert [(e["kind"], e["actor_id"], e["target_id"]) for e in events] == [
        ("apikey.created", alice.id, alices["id"]),
        ("apikey.created", bob.id, bobs["id"]),
        ("apikey.revoked", admin_id, alices["id"]),
    ]
    assert all(e["target_type"] == "api_key" for e in events)
    assert events[0]["target_label"] == f"alice's ({alices['prefix']})"
    assert events[2]["detail"] == {"owner": alice.id}
    assert events[2]["client_ip"] == "203.0.113.7"
    assert not any(k in str(events) for k in (alices["key"], bobs["key"]))
