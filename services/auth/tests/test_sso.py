"""Signing in with an OpenID Provider (a real node-oidc-provider, its own login form): accounts,
groups and role from the claims, linking, SSO_ONLY, and what the audit log keeps (refusals:
test_sso_refusals.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import parley_testing as pt

from .conftest import AuthFactory, bearer
from .sso_support import BASE, audit_kinds, browser, failure, person, sign_in, sso_auth


async def test_first_sign_in_makes_a_verified_account_with_the_claims_groups_and_role(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider, groups=["Platform Team", "Parley Admins", "!!!"])
    async with (
        sso_auth(make_auth, oidc_provider, admin_groups=["Parley Admins"]) as auth,
        browser(auth) as client,
    ):
        landing = await sign_in(client, oidc_provider, login, next_path="/chats/7?tab=a")
        assert landing.response.status_code == 302
        assert landing.location == "/chats/7?tab=a"
        refresh = landing.cookie("parley_refresh")
        assert refresh is not None and "httponly" in refresh.lower()
        assert "samesite=strict" in refresh.lower()
        assert landing.cookie("parley_device") is not None
        assert landing.cookie("parley_sso") is not None  # cleared
        assert landing.response.headers["cache-control"] == "no-store"

        me = await landing.me()
        assert me["email"] == f"{login}@example.com"
        assert me["is_verified"] is True
        assert me["role"] == "admin"
        assert me["groups"] == ["parley-admins", "platform-team"]

        [(provider, subject, stored_token)] = auth.sql(
            "SELECT oauth_name, account_id, access_token FROM oauth_accounts"
        )
        assert (provider, subject, stored_token) == ("corp", login, "")
        # Created on the fly, named after the claim values; memberships marked as SSO's.
        assert auth.sql("SELECT id, name FROM groups ORDER BY id") == [
            ("parley-admins", "Parley Admins"),
            ("platform-team", "Platform Team"),
        ]
        assert {s for (s,) in auth.sql("SELECT source FROM group_members")} == {"sso"}
        [(role, groups)] = auth.sql("SELECT role, groups FROM account_changes")
        assert (role, groups) == ("admin", ["parley-admins", "platform-team"])
        kinds = audit_kinds(auth)
        assert kinds.count("group.member_added") == 2
        assert {"sso.account_created", "user.role_changed", "sso.login"} <= set(kinds)
        [(actor, detail)] = auth.sql(
            "SELECT actor_email, detail FROM audit_events WHERE kind = 'sso.login'"
        )
        assert actor == f"{login}@example.com"
        assert detail["provider"] == "corp"
        [(agent,)] = auth.sql("SELECT user_agent FROM audit_events WHERE kind = 'sso.login'")
        assert agent == "browser/1"


async def test_every_sign_in_follows_the_claims_and_leaves_manual_groups_alone(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider, groups=["Engineering", "Admins"])
    async with sso_auth(make_auth, oidc_provider, admin_groups=["Admins"]) as auth:
        async with browser(auth) as client:
            first = await (await sign_in(client, oidc_provider, login)).me()
        assert (first["role"], first["groups"]) == ("admin", ["admins", "engineering"])
        auth.sql("INSERT INTO groups (id, name) VALUES ('book-club', 'Book club')")
        auth.sql(
            "INSERT INTO group_members (group_id, user_id, source)"
            " VALUES ('book-club', %s, 'manual')",
            first["id"],
        )

        oidc_provider.set_account(
            login, {"email": f"{login}@example.com", "email_verified": True, "groups": ["Sales"]}
        )
        async with browser(auth) as client:
            again = await (await sign_in(client, oidc_provider, login)).me()
        assert again["id"] == first["id"]
        assert again["role"] == "member"
        assert again["groups"] == ["book-club", "sales"]
        [(role, groups)] = auth.sql("SELECT role, groups FROM account_changes")
        assert (role, groups) == ("member", ["book-club", "sales"])
        changes = auth.sql(
            "SELECT kind, target_id, detail->>'to' FROM audit_events"
            " WHERE kind IN ('user.role_changed', 'group.member_removed') ORDER BY id"
        )
        assert changes == [
            ("user.role_changed", first["id"], "admin"),
            ("user.role_changed", first["id"], "member"),
            ("group.member_removed", "admins", None),
            ("group.member_removed", "engineering", None),
        ]


async def test_without_admin_groups_sso_never_changes_the_role(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider, groups=["Admins"])
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        me = await (await sign_in(client, oidc_provider, login)).me()
        assert (me["role"], me["groups"]) == ("member", ["admins"])
        auth.sql("UPDATE users SET is_superuser = true WHERE id = %s", me["id"])
        again = await (await sign_in(client, oidc_provider, login)).me()
        assert again["role"] == "admin"


async def test_group_map_names_the_groups_and_drops_unmapped_values(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider, groups=["a1b2-guid", "unmapped"])
    async with (
        sso_auth(
            make_auth, oidc_provider, group_map={"a1b2-guid": "research"}, create_groups=False
        ) as auth,
        browser(auth) as client,
    ):
        auth.sql("INSERT INTO groups (id, name) VALUES ('research', 'Research')")
        me = await (await sign_in(client, oidc_provider, login)).me()
        assert me["groups"] == ["research"]
        assert auth.sql("SELECT id FROM groups") == [("research",)]


async def test_an_existing_password_account_is_linked_only_with_link_by_email(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    email = f"{login}@example.com"
    async with sso_auth(make_auth, oidc_provider) as auth, browser(auth) as client:
        registered = await auth.register(email.upper())
        assert failure(await sign_in(client, oidc_provider, login)) == "SSO_ACCOUNT_EXISTS"
        assert auth.sql("SELECT count(*) FROM oauth_accounts") == [(0,)]
        [(target,)] = auth.sql("SELECT target_id FROM audit_events WHERE kind = 'sso.failed'")
        assert target == registered["id"]
        assert (await auth.login(email)).status_code == 200

    login = person(oidc_provider)
    email = f"{login}@example.com"
    async with (
        sso_auth(make_auth, oidc_provider, link_by_email=True) as auth,
        browser(auth) as client,
    ):
        registered = await auth.register(email)
        auth.sql("UPDATE users SET is_verified = true WHERE id = %s", registered["id"])
        me = await (await sign_in(client, oidc_provider, login)).me()
        assert me["id"] == registered["id"]
        assert "sso.linked" in audit_kinds(auth)
        # A verified owner keeps their password.
        assert (await auth.login(email)).status_code == 200


async def test_linking_an_unverified_account_takes_its_password_and_sessions(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    # Whoever registered the address without proving it (maybe not its owner) loses access.
    login = person(oidc_provider)
    email = f"{login}@example.com"
    async with (
        sso_auth(make_auth, oidc_provider, link_by_email=True) as auth,
        browser(auth) as client,
    ):
        registered, squatter_token = await auth.user(email)
        me = await (await sign_in(client, oidc_provider, login)).me()
        assert me["id"] == registered["id"]
        assert me["is_verified"] is True
        assert (await auth.login(email)).status_code == 400
        still = await auth.client.get("/auth/users/me", headers=bearer(squatter_token))
        assert still.status_code == 401


async def test_sso_only_refuses_every_password_route(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    disabled = {"detail": "PASSWORD_LOGIN_DISABLED"}
    async with (
        sso_auth(make_auth, oidc_provider, settings={"SSO_ONLY": True}) as auth,
        browser(auth) as client,
    ):
        listed = (await auth.client.get("/auth/sso/providers")).json()
        assert (listed["password_login"], listed["registration"]) == (False, False)
        landing = await sign_in(client, oidc_provider, login)
        token = await landing.access_token()
        landing_user = (await landing.me())["id"]
        email = f"{login}@example.com"
        attempts: list[tuple[str, str, dict[str, Any]]] = [
            ("POST", "/auth/login", {"data": {"username": email, "password": "x" * 12}}),
            ("POST", "/auth/register", {"json": {"email": "new@example.com", "password": "p"}}),
            ("POST", "/auth/forgot-password", {"json": {"email": email}}),
            ("POST", "/auth/reset-password", {"json": {"token": "t", "password": "p"}}),
            (
                "PATCH",
                "/auth/users/me",
                {
                    "json": {"current_password": "x", "password": "another pass phrase"},
                    "headers": bearer(token),
                },
            ),
        ]
        for method, path, kwargs in attempts:
            answer = await auth.client.request(method, path, **kwargs)
            assert (answer.status_code, answer.json()) == (403, disabled), path
        # Refused before anything is counted (but the per-user limit of PATCH /users/me).
        assert [k for (k,) in auth.sql("SELECT key FROM rate_limits")] == [
            f"account:user:{landing_user}"
        ]
        # Changing anything but the password still works.
        renamed = await auth.client.patch("/auth/users/me", json={}, headers=bearer(token))
        assert renamed.status_code == 200


async def test_admin_emails_promote_an_sso_account(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider)
    settings = {"ADMIN_EMAILS": f"{login.upper()}@example.com"}
    async with (
        sso_auth(make_auth, oidc_provider, settings=settings) as auth,
        browser(auth) as client,
    ):
        me = await (await sign_in(client, oidc_provider, login)).me()
        assert me["role"] == "admin"
        [(reason,)] = auth.sql(
            "SELECT detail->>'reason' FROM audit_events WHERE kind = 'user.role_changed'"
        )
        assert reason == "ADMIN_EMAILS"


async def test_two_first_sign_ins_at_once_end_in_one_account(
    make_auth: AuthFactory, oidc_provider: pt.OidcProvider
) -> None:
    login = person(oidc_provider, groups=["Ops"])
    async with sso_auth(make_auth, oidc_provider) as auth:
        async with browser(auth) as one, browser(auth) as two:
            start = f"{BASE}/auth/sso/corp/login"
            backs = [
                await pt.sign_in(tab, start, oidc_provider, login, follow_callback=False)
                for tab in (one, two)
            ]
            answers = await asyncio.gather(
                *(
                    tab.get(back.headers["location"])
                    for tab, back in zip((one, two), backs, strict=True)
                )
            )
        assert [a.headers["location"] for a in answers] == ["/", "/"]
        assert auth.sql("SELECT count(*) FROM users") == [(1,)]
        assert auth.sql("SELECT count(*) FROM oauth_accounts") == [(1,)]
        assert auth.sql("SELECT group_id FROM group_members") == [("ops",)]
