"""What auth changes about an account reaches chat through the real stack, within the promised
60 s (the stack polls every second): a deleted user's token is refused and their chats are gone,
an old token dies after a password change, and an admin's role, group and deactivation changes
apply to the access token the member already has."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest
from parley_devstack import RunningStack as Stack

# The first test of a run also pays for starting the whole stack.
pytestmark = pytest.mark.timeout(300)

PROMISED_SECONDS = 60
# Answers in a row that count as "every replica agrees" (more than the stack has replicas).
IN_A_ROW = 6
PASSWORD = "a long enough passphrase"
# Listed in the stack's ADMIN_EMAILS (conftest): admin from its first login.
ADMIN_EMAIL = "admin@example.com"


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


def seconds_until(check: Callable[[], bool]) -> float:
    """How long until ``check`` holds on several requests in a row (fails past the promise)."""
    started = time.monotonic()
    streak = 0
    while time.monotonic() - started < PROMISED_SECONDS:
        if check():
            streak += 1
            if streak == IN_A_ROW:
                return time.monotonic() - started
            continue
        streak = 0
        time.sleep(0.25)
    raise AssertionError(f"not seen within {PROMISED_SECONDS} s")


def refused(client: httpx.Client, token: str) -> Callable[[], bool]:
    """Whether chat refuses ``token`` now (401)."""
    headers = {"Authorization": f"Bearer {token}"}
    return lambda: client.get("/api/chats", headers=headers).status_code == 401


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

        assert seconds_until(refused(client, token)) < PROMISED_SECONDS
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

        assert seconds_until(refused(client, token)) < PROMISED_SECONDS
        assert client.get("/api/chats", headers=headers).json() == {"detail": "token revoked"}
        # The browser that changed it stays signed in: its fresh cookie refreshes to a new
        # access token that chat accepts.
        refreshed = client.post("/auth/refresh")
        assert refreshed.status_code == 200, refreshed.text
        fresh = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
        assert client.get("/api/chats", headers=fresh).status_code == 200


@pytest.fixture(scope="module")
def admin(stack: Stack) -> Iterator[httpx.Client]:
    """A client signed in as the stack's ADMIN_EMAILS account (promoted at login)."""
    with client_from("127.0.0.40", stack) as client:
        registered = client.post(
            "/auth/register", json={"email": ADMIN_EMAIL, "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text
        login = client.post("/auth/login", data={"username": ADMIN_EMAIL, "password": PASSWORD})
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        assert client.get("/auth/users/me").json()["role"] == "admin"
        yield client


def test_a_role_change_reaches_chat_with_the_members_old_token(
    stack: Stack, admin: httpx.Client
) -> None:
    with client_from("127.0.0.41", stack) as client:
        token = sign_up(client)
        member = {"Authorization": f"Bearer {token}"}
        user_id = user_of(client, token)
        assert client.get("/api/admin/models", headers=member).status_code == 403

        promoted = admin.patch(f"/auth/admin/users/{user_id}", json={"role": "admin"})
        assert promoted.status_code == 200, promoted.text
        assert (
            seconds_until(
                lambda: client.get("/api/admin/models", headers=member).status_code == 200
            )
            < PROMISED_SECONDS
        )

        demoted = admin.patch(f"/auth/admin/users/{user_id}", json={"role": "member"})
        assert demoted.status_code == 200, demoted.text
        assert (
            seconds_until(
                lambda: client.get("/api/admin/models", headers=member).status_code == 403
            )
            < PROMISED_SECONDS
        )


def test_a_group_grants_its_model_and_deactivation_ends_the_members_access(
    stack: Stack, admin: httpx.Client
) -> None:
    suffix = uuid.uuid4().hex[:8]
    group, model = f"team-{suffix}", f"team-model-{suffix}"
    created = admin.post("/auth/admin/groups", json={"id": group, "name": f"Team {suffix}"})
    assert created.status_code == 201, created.text
    restricted = admin.post(
        "/api/admin/models",
        json={
            "id": model,
            "provider": admin.get("/api/admin/providers").json()["items"][0]["id"],
            "display_name": "Team model",
            "context_tokens": 32768,
            "max_output_tokens": 1024,
            "groups": [group],
        },
    )
    assert restricted.status_code == 201, restricted.text

    with client_from("127.0.0.42", stack) as client:
        token = sign_up(client)
        member = {"Authorization": f"Bearer {token}"}
        user_id = user_of(client, token)

        def offered() -> bool:
            models = client.get("/api/models", headers=member).json()
            return model in [m["id"] for m in models["items"]]

        assert not offered()
        added = admin.put(f"/auth/admin/groups/{group}/members/{user_id}")
        assert added.status_code == 204, added.text
        assert seconds_until(offered) < PROMISED_SECONDS

        chat = client.post("/api/chats", json={"model": model}, headers=member)
        assert chat.status_code == 201, chat.text
        with client.stream(
            "POST",
            f"/api/chats/{chat.json()['id']}/messages",
            json={"content": "hello team"},
            headers=member,
        ) as reply:
            assert reply.status_code == 200
            assert "run.completed" in reply.read().decode()

        deactivated = admin.patch(f"/auth/admin/users/{user_id}", json={"active": False})
        assert deactivated.status_code == 200, deactivated.text
        assert seconds_until(refused(client, token)) < PROMISED_SECONDS
        assert client.post("/auth/refresh").status_code == 401
