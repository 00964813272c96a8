"""Admins manage groups: create, rename, delete, members; a member's token names its groups
after the next login or refresh."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import psycopg

from .conftest import Auth, bearer
from .test_account_changes import claims

GROUPS = "/auth/admin/groups"


async def test_group_lifecycle(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    headers = bearer(admin)
    made = await auth.client.post(GROUPS, headers=headers, json={"id": "eng", "name": "Eng"})
    assert made.status_code == 201
    assert made.json()["id"] == "eng" and made.json()["members"] == 0
    for taken in ({"id": "eng", "name": "Other"}, {"id": "other", "name": "Eng"}):
        clash = await auth.client.post(GROUPS, headers=headers, json=taken)
        assert clash.status_code == 409 and clash.json() == {"detail": "GROUP_EXISTS"}
    for bad in (
        {"id": "Eng Team", "name": "x"},
        {"id": "-x", "name": "x"},
        {"id": "x", "name": ""},
    ):
        assert (await auth.client.post(GROUPS, headers=headers, json=bad)).status_code == 422

    await auth.client.post(GROUPS, headers=headers, json={"id": "ops", "name": "Operations"})
    renamed = await auth.client.patch(
        f"{GROUPS}/eng", headers=headers, json={"name": "Engineering"}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Engineering"
    clash = await auth.client.patch(f"{GROUPS}/eng", headers=headers, json={"name": "Operations"})
    assert clash.status_code == 409
    listed = (await auth.client.get(GROUPS, headers=headers)).json()["items"]
    assert [(g["id"], g["name"]) for g in listed] == [("eng", "Engineering"), ("ops", "Operations")]

    assert (await auth.client.delete(f"{GROUPS}/ops", headers=headers)).status_code == 204
    assert (await auth.client.delete(f"{GROUPS}/ops", headers=headers)).status_code == 404
    missing = await auth.client.patch(f"{GROUPS}/ops", headers=headers, json={"name": "x"})
    assert missing.status_code == 404
    kinds = [event["kind"] for event in auth.audit_events() if event["kind"].startswith("group.")]
    assert kinds == ["group.created", "group.created", "group.renamed", "group.deleted"]


async def test_members_and_the_groups_claim(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    headers = bearer(admin)
    bob, _ = await auth.user("bob@example.com")
    session = await auth.tokens("bob@example.com")
    await auth.client.post(GROUPS, headers=headers, json={"id": "eng", "name": "Eng"})
    member_url = f"{GROUPS}/eng/members/{bob['id']}"
    assert (await auth.client.put(member_url, headers=headers)).status_code == 204
    assert (await auth.client.put(member_url, headers=headers)).status_code == 204  # idempotent

    members = (await auth.client.get(f"{GROUPS}/eng/members", headers=headers)).json()
    assert [m["email"] for m in members["items"]] == ["bob@example.com"]
    assert members["total"] == 1 and members["next_cursor"] is None
    assert (await auth.client.get(GROUPS, headers=headers)).json()["items"][0]["members"] == 1

    # The old access token still says what it said; a refresh and a new login say "eng".
    assert claims(session["access_token"])["groups"] == []
    refreshed = await auth.client.post(
        "/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert claims(refreshed.json()["access_token"])["groups"] == ["eng"]
    relogin = await auth.tokens("bob@example.com")
    assert claims(relogin["access_token"])["groups"] == ["eng"]
    me = await auth.client.get("/auth/users/me", headers=bearer(relogin["access_token"]))
    assert me.json()["groups"] == ["eng"]

    assert (await auth.client.delete(member_url, headers=headers)).status_code == 204
    after = await auth.tokens("bob@example.com")
    assert claims(after["access_token"])["groups"] == []

    unknown_user = f"{GROUPS}/eng/members/00000000-0000-4000-8000-000000000000"
    assert (await auth.client.put(unknown_user, headers=headers)).status_code == 404
    unknown_group = f"{GROUPS}/nope/members/{bob['id']}"
    assert (await auth.client.put(unknown_group, headers=headers)).status_code == 404
    assert (await auth.client.get(f"{GROUPS}/nope/members", headers=headers)).status_code == 404


async def test_an_admins_membership_survives_sso(auth: Auth) -> None:
    """An SSO membership made manual by an admin is the admin's from then on."""
    from parley_auth.groups import replace_sso_groups

    _, admin = await auth.admin("admin@example.com")
    bob, _ = await auth.user("bob@example.com")
    auth.sql("INSERT INTO groups (id, name) VALUES ('eng', 'Eng')")
    auth.sql(
        "INSERT INTO group_members (group_id, user_id, source) VALUES ('eng', %s, 'sso')",
        bob["id"],
    )
    put = await auth.client.put(f"{GROUPS}/eng/members/{bob['id']}", headers=bearer(admin))
    assert put.status_code == 204
    async with auth.app.state.runtime.sessionmaker() as session:
        await replace_sso_groups(session, uuid.UUID(bob["id"]), [], create_missing=False)
        await session.commit()
    rows: list[Any] = auth.sql("SELECT group_id, source FROM group_members")
    assert rows == [("eng", "manual")]


async def test_group_members_page_by_cursor(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    auth.sql("INSERT INTO groups (id, name) VALUES ('big', 'Big')")
    auth.sql(
        "WITH made AS (INSERT INTO users (id, email, email_canonical, hashed_password)"
        " SELECT gen_random_uuid(), 'm' || n || '@example.com', 'm' || n || '@example.com', 'x'"
        " FROM generate_series(1, 25) AS n RETURNING id)"
        " INSERT INTO group_members (group_id, user_id, source) SELECT 'big', id, 'manual'"
        " FROM made"
    )
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = (
            await auth.client.get(f"{GROUPS}/big/members", params=params, headers=bearer(admin))
        ).json()
        seen.extend(item["email"] for item in page["items"])
        assert all(item["groups"] == ["big"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 25 == len(set(seen))


async def test_admins_adding_the_same_member_at_once_all_succeed(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    headers = bearer(admin)
    bob, _ = await auth.user("bob@example.com")
    await auth.client.post(GROUPS, headers=headers, json={"id": "eng", "name": "Eng"})
    member_url = f"{GROUPS}/eng/members/{bob['id']}"
    answers = await asyncio.gather(
        *(auth.client.put(member_url, headers=headers) for _ in range(6))
    )
    assert [answer.status_code for answer in answers] == [204] * 6
    assert len(auth.audit_events("group.member_added")) == 1
    members = (await auth.client.get(f"{GROUPS}/eng/members", headers=headers)).json()
    assert [m["email"] for m in members["items"]] == ["bob@example.com"]


async def blocked_on_a_lock(auth: Auth, request: asyncio.Task[Any]) -> None:
    """Poll until ``request`` waits on a row lock (or has ended: then the test says why)."""
    for _ in range(400):
        waiting = auth.sql(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        if waiting[0][0] or request.done():
            return
        await asyncio.sleep(0.05)


async def test_a_member_added_while_the_group_is_deleted_loses_it_in_the_feed(
    auth: Auth,
) -> None:
    _, admin = await auth.admin("admin@example.com")
    headers = bearer(admin)
    bob, _ = await auth.user("bob@example.com")
    await auth.client.post(GROUPS, headers=headers, json={"id": "eng", "name": "Eng"})
    # Another admin's membership change, not yet committed when the deletion starts.
    with psycopg.connect(auth.database_url) as adding:
        adding.execute(
            "INSERT INTO group_members (group_id, user_id, source) VALUES ('eng', %s, 'manual')",
            (bob["id"],),
        )
        adding.execute(
            "INSERT INTO account_changes (user_id, token_version, deleted, changed_at, groups)"
            " VALUES (%s, 0, false, clock_timestamp(), '{eng}')",
            (bob["id"],),
        )
        deleting = asyncio.create_task(auth.client.delete(f"{GROUPS}/eng", headers=headers))
        await blocked_on_a_lock(auth, deleting)
        adding.commit()
    assert (await deleting).status_code == 204
    [(groups,)] = auth.sql("SELECT groups FROM account_changes WHERE user_id = %s", bob["id"])
    assert groups == []


async def test_adding_to_a_group_being_deleted_is_a_client_error(auth: Auth) -> None:
    _, admin = await auth.admin("admin@example.com")
    headers = bearer(admin)
    bob, _ = await auth.user("bob@example.com")
    await auth.client.post(GROUPS, headers=headers, json={"id": "eng", "name": "Eng"})
    for method, url, body in (
        ("PUT", f"{GROUPS}/eng/members/{bob['id']}", None),
        ("PATCH", f"/auth/admin/users/{bob['id']}", {"groups": ["eng"]}),
    ):
        auth.sql("INSERT INTO groups (id, name) VALUES ('eng', 'Eng') ON CONFLICT DO NOTHING")
        # Another admin's deletion, not yet committed when the membership is written.
        with psycopg.connect(auth.database_url) as deleting:
            deleting.execute("DELETE FROM groups WHERE id = 'eng'")
            adding = asyncio.create_task(
                auth.client.request(method, url, headers=headers, json=body)
            )
            await blocked_on_a_lock(auth, adding)
            deleting.commit()
        answer = await adding
        assert answer.status_code in (404, 422), answer.text
        assert answer.json()["detail"] in ("Not Found", "UNKNOWN_GROUP")
