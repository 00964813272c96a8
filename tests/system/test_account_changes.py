"""What auth changes about an account reaches chat through the real stack: a deleted user's
token is refused and their chats are gone, an old token dies after a password change, both
within the promised 60 s (the stack polls every second)."""

from __future__ import annotations

import time
import uuid

import httpx
import psycopg
import pytest
from parley_devstack import RunningStack as Stack

# The first test of a run also pays for starting the whole stack.
pytestmark = pytest.mark.timeout(300)

PROMISED_SECONDS = 60
# Refusals in a row that count as "every replica refuses" (more than the stack has replicas).
REFUSALS_IN_A_ROW = 6
PASSWORD = "a long enough passphrase"


def client_from(ip: str, stack: Stack) -> httpx.Client:
    """A client with its own loopback address (the gateway limits logins per address)."""
    return httpx.Client(
        base_url=stack.url, transport=httpx.HTTPTransport(local_address=ip), timeout=30
    )


def sign_up(client: httpx.Client) -> str:
    """Register a new account and log in; its access token."""
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    registered = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    answer = client.post("/auth/login", data={"username": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def seconds_until_refused(client: httpx.Client, token: str) -> float:
    """How long until every chat replica refuses ``token`` (fails past the promise).

    Each replica follows the feed on its own, so one may refuse a moment before another:
    refused means refused by several requests in a row, which the gateway spreads over them."""
    started = time.monotonic()
    refusals = 0
    while time.monotonic() - started < PROMISED_SECONDS:
        answer = client.get("/api/chats", headers={"Authorization": f"Bearer {token}"})
        if answer.status_code == 401:
            refusals += 1
            if refusals == REFUSALS_IN_A_ROW:
                return time.monotonic() - started
            continue
        assert answer.status_code == 200, answer.text
        refusals = 0
        time.sleep(0.25)
    raise AssertionError(f"chat still accepts the token after {PROMISED_SECONDS} s")


def user_of(client: httpx.Client, token: str) -> str:
    me = client.get("/auth/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    user_id: str = me.json()["id"]
    return user_id


def stored_chats(stack: Stack, user_id: str) -> int:
    with psycopg.connect(stack.plan.chat_database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM ai.agno_sessions WHERE user_id = %s", (user_id,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_deleted_users_token_is_refused_by_chat_and_their_chats_are_gone(
    stack: Stack,
) -> None:
    with client_from("127.0.0.30", stack) as client:
        token = sign_up(client)
        headers = {"Authorization": f"Bearer {token}"}
        user_id = user_of(client, token)
        chat_id = client.post("/api/chats", json={"title": "to be deleted"}, headers=headers)
        assert chat_id.status_code == 201, chat_id.text
        with client.stream(
            "POST",
            f"/api/chats/{chat_id.json()['id']}/messages",
            json={"content": "remember this"},
            headers=headers,
        ) as reply:
            assert reply.status_code == 200
            reply.read()
        assert stored_chats(stack, user_id) == 1

        deleted = client.request(
            "DELETE", "/auth/users/me", json={"current_password": PASSWORD}, headers=headers
        )
        assert deleted.status_code == 204, deleted.text

        assert seconds_until_refused(client, token) < PROMISED_SECONDS
        answer = client.get("/api/chats", headers=headers)
        assert answer.json() == {"detail": "account deleted"}
        assert stored_chats(stack, user_id) == 0


def test_after_a_password_change_the_old_access_token_is_refused_by_chat(
    stack: Stack,
) -> None:
    with client_from("127.0.0.31", stack) as client:
        token = sign_up(client)
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/chats", headers=headers).status_code == 200
        new_password = f"another passphrase {uuid.uuid4().hex[:8]}"

        changed = client.patch(
            "/auth/users/me",
            json={"current_password": PASSWORD, "password": new_password},
            headers=headers,
        )
        assert changed.status_code == 200, changed.text

        assert seconds_until_refused(client, token) < PROMISED_SECONDS
        assert client.get("/api/chats", headers=headers).json() == {"detail": "token revoked"}
        # The browser that changed it stays signed in: its fresh cookie refreshes to a new
        # access token that chat accepts.
        refreshed = client.post("/auth/refresh")
        assert refreshed.status_code == 200, refreshed.text
        fresh = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
        assert client.get("/api/chats", headers=fresh).status_code == 200
