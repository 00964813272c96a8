"""Admins manage accounts: role, groups, deactivation reach the feed chat polls; deactivation
ends sessions; an admin cannot lock themself or everyone out; search and paging hold."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from parley_auth import admin_users
from parley_auth.admin_schemas import AdminUserUpdate
from parley_auth.audit import ClientInfo
from parley_auth.refusals import Refused

from .conftest import PASSWORD, Auth, AuthFactory, bearer
from .test_account_changes import SERVICE_TOKEN, claims, feed


async def patch(auth: Auth, token: str, user_id: str, **change: Any) -> Any:
    return await auth.client.patch(
        f"/auth/admin/users/{user_id}", headers=bearer(token), json=change
    )


async def test_role_group_and_deactivation_changes_reach_the_feed(make_auth: AuthFactory) -> None:
    async with make_auth(SERVICE_TOKEN=SERVICE_TOKEN) as auth:
        start = datetime.now(UTC) - timedelta(seconds=5)
        _, admin = await auth.admin("admin@example.com")
        bob, _ = await auth.user("bob@example.com")
        auth.sql("INSERT INTO groups (id, name) VALUES ('staff', 'Staff'), ('eng', 'Eng')")

        async def bobs_row() -> dict[str, Any]:
            page = (await feed(auth, start)).json()
            [row] = [c for c in page["changes"] if c["user_id"] == bob["id"]]
            return dict(row)

        changed = await patch(auth, admin, bob["id"], role="admin", groups=["staff", "eng"])
        assert changed.status_code == 200, changed.text
        view = changed.json()
        assert view["role"] == "admin" and view["groups"] == ["eng", "staff"]
        assert view["active"] is True and view["sso"] == []
        row = await bobs_row()
        assert (row["role"], row["groups"], row["active"]) == ("admin", ["eng", "staff"], True)
        assert row["token_version"] == 0  # role and groups end no session

        await patch(auth, admin, bob["id"], role="member", groups=["eng"])
        row = await bobs_row()
        assert (row["role"], row["groups"], row["token_version"]) == ("member", ["eng"], 0)

        await patch(auth, admin, bob["id"], active=False)
        row = await bobs_row()
        assert row["active"] is False and row["token_version"] == 1
        await patch(auth, admin, bob["id"], active=True)
        row = await bobs_row()
        assert row["active"] is True and row["token_version"] == 1

        # Deleting the group updates its former members' rows.
        await auth.client.delete("/auth/admin/groups/eng", headers=bearer(admin))
        assert (await bobs_row())["groups"] == []


async def test_deactivation_ends_sessions_and_refuses_login(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    bob, _ = await auth.user("bob@example.com")
    session = await auth.tokens("bob@example.com")
    assert (await patch(auth, admin, bob["id"], active=False)).json()["active"] is False

    me = await auth.client.get("/auth/users/me", headers=bearer(session["access_token"]))
    assert me.status_code == 401
    refreshed = await auth.client.post(
        "/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refreshed.status_code == 401
    assert (await auth.login("bob@example.com")).status_code == 400

    await patch(auth, admin, bob["id"], active=True)
    assert (await auth.login("bob@example.com")).status_code == 200
    # Reactivation does not revive the old refresh token.
    again = await auth.client.post(
        "/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert again.status_code == 401


async def test_an_admin_cannot_demote_deactivate_or_delete_themself(auth: Auth) -> None:
    alice, alice_token = await auth.admin("alice@example.com")
    for change in ({"role": "member"}, {"active": False}):
        refused = await patch(auth, alice_token, alice["id"], **change)
        assert refused.status_code == 409 and refused.json() == {"detail": "CANNOT_CHANGE_SELF"}
    deleted = await auth.client.delete(
        f"/auth/admin/users/{alice['id']}", headers=bearer(alice_token)
    )
    assert deleted.status_code == 409 and deleted.json() == {"detail": "CANNOT_CHANGE_SELF"}
    # Setting the role one has, or one's own groups, is fine.
    assert (await patch(auth, alice_token, alice["id"], role="admin", groups=[])).status_code == 200
    assert auth.sql("SELECT is_superuser, is_active FROM users") == [(True, True)]


async def test_two_admins_removing_each_other_at_once_leave_one_admin(auth: Auth) -> None:
    alice, alice_token = await auth.admin("alice@example.com")
    bob, bob_token = await auth.admin("bob@example.com")
    for change in ({"active": False}, {"role": "member"}):
        answers = await asyncio.gather(
            patch(auth, alice_token, bob["id"], **change),
            patch(auth, bob_token, alice["id"], **change),
        )
        statuses = sorted(answer.status_code for answer in answers)
        # The second finds itself demoted (403), deactivated (401: its sessions ended), or,
        # having passed authentication first, the last admin (409).
        assert statuses[0] == 200 and statuses[1] in (401, 403, 409), statuses
        assert auth.sql("SELECT count(*) FROM users WHERE is_superuser AND is_active") == [(1,)]
        auth.sql("UPDATE users SET is_superuser = true, is_active = true")
        alice_token = (await auth.tokens("alice@example.com"))["access_token"]
        bob_token = (await auth.tokens("bob@example.com"))["access_token"]


async def test_the_last_active_admin_is_kept_when_the_caller_lost_the_role_meanwhile(
    auth: Auth,
) -> None:
    alice, _ = await auth.admin("alice@example.com")
    bob, _ = await auth.admin("bob@example.com")
    runtime = auth.app.state.runtime
    # Bob is demoted by someone else after his request was authenticated.
    auth.sql("UPDATE users SET is_superuser = false WHERE id = %s", bob["id"])
    async with runtime.sessionmaker() as session:
        for change in (AdminUserUpdate(role="member"), AdminUserUpdate(active=False)):
            caller = await admin_users.get_user(session, uuid.UUID(bob["id"]))
            with pytest.raises(Refused) as refused:
                await admin_users.update_user(
                    session, caller, uuid.UUID(alice["id"]), change, ClientInfo()
                )
            assert refused.value.code == "LAST_ADMIN"
            await session.rollback()
    assert auth.sql("SELECT is_superuser, is_active FROM users WHERE id = %s", alice["id"]) == [
        (True, True)
    ]


async def test_unknown_group_and_unknown_user(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    bob, _ = await auth.user("bob@example.com")
    unknown = await patch(auth, admin, bob["id"], groups=["nope"])
    assert unknown.status_code == 422 and unknown.json() == {"detail": "UNKNOWN_GROUP"}
    assert (await patch(auth, admin, bob["id"], groups=["Not A Slug"])).status_code == 422
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await patch(auth, admin, missing, role="admin")).status_code == 404
    read = await auth.client.get(f"/auth/admin/users/{missing}", headers=bearer(admin))
    assert read.status_code == 404
    shown = await auth.client.get(f"/auth/admin/users/{bob['id']}", headers=bearer(admin))
    assert shown.json()["email"] == "bob@example.com" and shown.json()["is_verified"] is False


async def test_search_by_email_prefix_and_keyset_paging(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    auth.sql(
        "INSERT INTO users (id, email, email_canonical, hashed_password)"
        " SELECT gen_random_uuid(), 'User' || n || '@Example.com', 'user' || n || '@example.com',"
        " 'x' FROM generate_series(1, 57) AS n"
    )
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        page = (
            await auth.client.get("/auth/admin/users", params=params, headers=bearer(admin))
        ).json()
        if cursor is None:
            assert page["total"] == 58
        else:
            assert page["total"] is None
        seen.extend(item["email"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 58 and len(set(seen)) == 58  # no duplicates, no gaps
    assert [e.lower() for e in seen] == sorted(e.lower() for e in seen)

    found = await auth.client.get("/auth/admin/users", params={"q": "USER1"}, headers=bearer(admin))
    emails = {item["email"] for item in found.json()["items"]}
    assert emails == {"User1@Example.com"} | {f"User1{n}@Example.com" for n in range(10)}
    assert found.json()["total"] == 11
    # LIKE wildcards in q are plain characters.
    none = await auth.client.get("/auth/admin/users", params={"q": "u%"}, headers=bearer(admin))
    assert none.json()["items"] == []
    bad = await auth.client.get(
        "/auth/admin/users", params={"cursor": "not-a-cursor"}, headers=bearer(admin)
    )
    assert bad.status_code == 422 and bad.json() == {"detail": "INVALID_CURSOR"}
    too_many = await auth.client.get(
        "/auth/admin/users", params={"limit": 201}, headers=bearer(admin)
    )
    assert too_many.status_code == 422


async def test_resend_verification_and_delete(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    bob, _ = await auth.user("bob@example.com")
    url = f"/auth/admin/users/{bob['id']}"
    sent = await auth.client.post(f"{url}/verification", headers=bearer(admin))
    assert sent.status_code == 202
    await auth.settle()
    [mail] = [m for m in auth.outbox.messages if m.to == "bob@example.com"]
    verified = await auth.client.post("/auth/verify", json={"token": mail.token})
    assert verified.status_code == 200
    again = await auth.client.post(f"{url}/verification", headers=bearer(admin))
    assert again.status_code == 409 and again.json() == {"detail": "ALREADY_VERIFIED"}

    assert (await auth.client.delete(url, headers=bearer(admin))).status_code == 204
    assert (await auth.client.get(url, headers=bearer(admin))).status_code == 404
    assert (await auth.login("bob@example.com", PASSWORD)).status_code == 400
    [(deleted,)] = auth.sql("SELECT deleted FROM account_changes WHERE user_id = %s", bob["id"])
    assert deleted is True


async def test_a_role_change_shows_in_the_next_token(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    bob, _ = await auth.user("bob@example.com")
    session = await auth.tokens("bob@example.com")
    await patch(auth, admin, bob["id"], role="admin")
    refreshed = await auth.client.post(
        "/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert claims(refreshed.json()["access_token"])["role"] == "admin"
