"""Admins set who may register; the saved policy replaces the environment's at once."""

from __future__ import annotations

from typing import Any

from .conftest import PASSWORD, Auth, AuthFactory, bearer

REGISTRATION = "/auth/admin/registration"


async def register(auth: Auth, email: str, **extra: Any) -> Any:
    return await auth.client.post(
        "/auth/register", json={"email": email, "password": PASSWORD, **extra}
    )


async def test_a_saved_policy_applies_to_the_next_registration(make_auth: AuthFactory) -> None:
    async with make_auth(REGISTRATION="domains", REGISTRATION_DOMAINS="example.com") as auth:
        _, admin = await auth.admin("admin@example.com")
        headers = bearer(admin)
        shown = (await auth.client.get(REGISTRATION, headers=headers)).json()
        assert shown == {
            "mode": "domains",
            "domains": ["example.com"],
            "conceals_accounts": False,
            "sso_only": False,
        }
        assert (await register(auth, "x@other.org")).status_code == 403

        saved = await auth.client.put(
            REGISTRATION, headers=headers, json={"mode": "domains", "domains": ["Other.ORG"]}
        )
        assert saved.status_code == 200 and saved.json()["domains"] == ["other.org"]
        assert (await register(auth, "x@other.org")).status_code == 201
        refused = await register(auth, "y@example.com")
        assert refused.json() == {"detail": "REGISTRATION_DOMAIN_NOT_ALLOWED"}

        await auth.client.put(REGISTRATION, headers=headers, json={"mode": "closed"})
        closed = await register(auth, "z@other.org")
        assert closed.status_code == 403 and closed.json() == {"detail": "REGISTRATION_CLOSED"}

        await auth.client.put(REGISTRATION, headers=headers, json={"mode": "invite"})
        assert (await register(auth, "z@other.org")).status_code == 403
        code = (await auth.client.post("/auth/invites", headers=headers, json={})).json()["code"]
        assert (await register(auth, "z@other.org", invite_code=code)).status_code == 201

        await auth.client.put(REGISTRATION, headers=headers, json={"mode": "open"})
        assert (await register(auth, "w@anywhere.net")).status_code == 201

        empty = await auth.client.put(
            REGISTRATION, headers=headers, json={"mode": "domains", "domains": []}
        )
        assert empty.status_code == 422
        assert (
            await auth.client.put(REGISTRATION, headers=headers, json={"mode": "x"})
        ).status_code == 422

        changes = auth.audit_events("registration.changed")
        assert len(changes) == 4
        assert changes[0]["detail"] == {
            "from": {"mode": "domains", "domains": ["example.com"]},
            "to": {"mode": "domains", "domains": ["other.org"]},
        }


async def test_the_policy_is_shared_by_replicas(make_auth: AuthFactory) -> None:
    async with make_auth() as one, make_auth() as two:
        _, admin = await one.admin("admin@example.com")
        await one.client.put(REGISTRATION, headers=bearer(admin), json={"mode": "closed"})
        assert (await register(two, "bob@example.com")).status_code == 403
