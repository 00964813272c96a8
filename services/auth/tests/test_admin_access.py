"""Who is an admin: nobody by registering first, ADMIN_EMAILS (verified) or the command line;
every /auth/admin route refuses members (403) and anonymous callers (401)."""

from __future__ import annotations

import re
from typing import Any

from .conftest import Auth, AuthFactory, bearer
from .test_account_changes import SERVICE_TOKEN, claims


def admin_operations(auth: Auth, user_id: str) -> list[tuple[str, str]]:
    """Every (method, path) the app serves under /auth/admin (its OpenAPI document lists every
    route), path parameters filled in: a route added later is checked without being listed."""
    values = {"user_id": user_id, "group_id": "staff"}
    found: list[tuple[str, str]] = []
    for template, methods in auth.app.openapi()["paths"].items():
        if template.startswith("/auth/admin"):
            path = re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], template)
            found.extend((method.upper(), path) for method in sorted(methods))
    return found


async def test_every_admin_route_refuses_members_and_anonymous_callers(auth: Auth) -> None:
    member, token = await auth.user("member@example.com")
    auth.sql("INSERT INTO groups (id, name) VALUES ('staff', 'Staff')")
    operations = admin_operations(auth, member["id"])
    assert len(operations) >= 15
    bodies: dict[str, Any] = {
        "POST": {"id": "x", "name": "X"},
        "PATCH": {"role": "admin", "name": "Y"},
        "PUT": {"mode": "open", "domains": []},
    }
    for method, path in operations:
        body = bodies.get(method)
        refused = await auth.client.request(method, path, headers=bearer(token), json=body)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json() == {"detail": "Forbidden"}
        anonymous = await auth.client.request(method, path, json=body)
        assert anonymous.status_code == 401, (method, path)
        forged = await auth.client.request(method, path, headers=bearer("x.y.z"), json=body)
        assert forged.status_code == 401, (method, path)
    # Nothing happened: still a member, the group unchanged, no policy saved.
    assert auth.sql("SELECT is_superuser FROM users") == [(False,)]
    assert auth.sql("SELECT id, name FROM groups") == [("staff", "Staff")]
    assert auth.sql("SELECT count(*) FROM site_settings") == [(0,)]


async def test_the_first_registrant_is_a_member(auth: Auth) -> None:
    _, token = await auth.user("first@example.com")
    assert claims(token)["role"] == "member"
    me = (await auth.client.get("/auth/users/me", headers=bearer(token))).json()
    assert me["role"] == "member" and me["is_superuser"] is False
    users = await auth.client.get("/auth/admin/users", headers=bearer(token))
    assert users.status_code == 403


async def test_admin_emails_promotes_a_verified_listed_account_at_login(
    make_auth: AuthFactory, production: dict[str, Any]
) -> None:
    settings = {**production, "SERVICE_TOKEN": SERVICE_TOKEN, "ADMIN_EMAILS": "Boss@Example.com"}
    async with make_auth(**settings) as auth:
        boss = await auth.register("boss@example.COM")
        await auth.register("other@example.com")
        # Unverified: anyone could have registered the address, so no promotion.
        unverified = (await auth.tokens("boss@example.com"))["access_token"]
        assert claims(unverified)["role"] == "member"
        assert auth.sql("SELECT is_superuser FROM users WHERE id = %s", boss["id"]) == [(False,)]

        auth.sql("UPDATE users SET is_verified = true")
        verified = await auth.tokens("boss@example.com")
        assert claims(verified["access_token"])["role"] == "admin"
        listed = await auth.client.get(
            "/auth/admin/users", headers=bearer(verified["access_token"])
        )
        assert listed.status_code == 200
        # Someone else, verified but not listed, stays a member.
        assert claims((await auth.tokens("other@example.com"))["access_token"])["role"] == (
            "member"
        )
        [event] = auth.audit_events("user.role_changed")
        assert event["actor_id"] is None and event["target_id"] == boss["id"]
        assert event["detail"]["reason"] == "ADMIN_EMAILS"
        [(role,)] = auth.sql("SELECT role FROM account_changes WHERE user_id = %s", boss["id"])
        assert role == "admin"


async def test_admin_emails_in_development_needs_no_verification_and_applies_at_refresh(
    make_auth: AuthFactory,
) -> None:
    async with make_auth() as auth:
        await auth.register("dev@example.com")
        first = await auth.tokens("dev@example.com")
        assert claims(first["access_token"])["role"] == "member"
    # The setting added later (a restart): the next refresh promotes.
    async with make_auth(ADMIN_EMAILS="nobody@example.com, dev@example.com") as auth:
        refreshed = await auth.client.post(
            "/auth/refresh", json={"refresh_token": first["refresh_token"]}
        )
        assert refreshed.status_code == 200
        assert claims(refreshed.json()["access_token"])["role"] == "admin"
