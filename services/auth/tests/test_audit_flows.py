"""Every account flow leaves an audit event naming who, to whom, from which address and
browser; none carries a password, a token or an invite code."""

from __future__ import annotations

import json
from typing import Any

from .conftest import BODY_DELIVERY, PASSWORD, AuthFactory, bearer

NEW_PASSWORD = "a completely new passphrase"
HOST = "203.0.113.7"
AGENT = f"other-client/{HOST}"


async def test_account_flows_are_audited_without_secrets(make_auth: AuthFactory) -> None:
    secrets: list[str] = [PASSWORD, NEW_PASSWORD]
    async with make_auth(LOGIN_THROTTLE_MAX_FAILURES=3) as auth, auth.other_client(HOST) as web:

        async def call(method: str, path: str, token: str | None = None, **kw: Any) -> Any:
            headers = {**(bearer(token) if token else {}), **kw.pop("headers", {})}
            response = await web.request(method, path, headers=headers, **kw)
            assert response.status_code < 500, response.text
            return response

        registered = await call(
            "POST", "/auth/register", json={"email": "alice@example.com", "password": PASSWORD}
        )
        alice = registered.json()["id"]
        login = await call(
            "POST",
            "/auth/login",
            data={"username": "alice@example.com", "password": PASSWORD},
            headers=BODY_DELIVERY,
        )
        token, refresh = login.json()["access_token"], login.json()["refresh_token"]
        secrets += [token, refresh]
        for name in (
            "alice@example.com",
            "nobody@example.com",
            "hunter2-not-an-email",
            "P@ssw0rd!",
        ):
            await call("POST", "/auth/login", data={"username": name, "password": "wrong" * 3})
        for _ in range(3):  # the third failure blocks the account; the next attempt is refused
            await call(
                "POST", "/auth/login", data={"username": "alice@example.com", "password": "w"}
            )
        auth.sql("DELETE FROM login_throttle")

        await call("POST", "/auth/logout", json={"refresh_token": refresh})
        await call(
            "PATCH",
            "/auth/users/me",
            token,
            json={"current_password": PASSWORD, "password": NEW_PASSWORD},
        )
        token = (await auth.tokens("alice@example.com", NEW_PASSWORD))["access_token"]
        secrets.append(token)
        await call("POST", "/auth/logout-all", token)
        token = (await auth.tokens("alice@example.com", NEW_PASSWORD))["access_token"]
        await call(
            "PATCH",
            "/auth/users/me",
            token,
            json={"current_password": NEW_PASSWORD, "email": "alice@example.org"},
        )
        await auth.settle()
        change_link = auth.outbox.messages[-1].token
        await call("POST", "/auth/verify", json={"token": change_link})
        await call("POST", "/auth/forgot-password", json={"email": "alice@example.org"})
        await auth.settle()
        reset_link = auth.outbox.messages[-1].token
        await call("POST", "/auth/reset-password", json={"token": reset_link, "password": PASSWORD})
        secrets += [change_link, reset_link]

        _, admin = await auth.admin("admin@example.com")
        invite = (await call("POST", "/auth/invites", admin, json={"note": "for bob"})).json()
        secrets.append(invite["code"])
        await call("DELETE", f"/auth/invites/{invite['id']}", admin)
        await call(
            "POST", "/auth/register", json={"email": "bob@example.com", "password": PASSWORD}
        )
        await call("POST", "/auth/request-verify-token", json={"email": "bob@example.com"})
        await auth.settle()
        verify_link = auth.outbox.messages[-1].token
        await call("POST", "/auth/verify", json={"token": verify_link})
        secrets.append(verify_link)
        alice_token = (await auth.tokens("alice@example.org"))["access_token"]
        await call("DELETE", "/auth/users/me", alice_token, json={"current_password": PASSWORD})

        events = auth.audit_events()
        kinds = [event["kind"] for event in events]
        for kind in (
            "user.registered",
            "login.succeeded",
            "login.failed",
            "login.throttled",
            "logout",
            "password.changed",
            "sessions.revoked",
            "email.change_requested",
            "email.changed",
            "password.reset_requested",
            "password.reset",
            "invite.created",
            "invite.revoked",
            "email.verified",
            "user.deleted",
        ):
            assert kind in kinds, kind

        def one(kind: str) -> dict[str, Any]:
            first: dict[str, Any] = next(e for e in events if e["kind"] == kind)
            return first

        for kind in (
            "user.registered",
            "login.succeeded",
            "logout",
            "password.changed",
            "sessions.revoked",
            "email.change_requested",
            "user.deleted",
        ):
            event = one(kind)
            assert str(event["actor_id"]) == alice and event["target_id"] == alice, kind
            assert (event["client_ip"], event["user_agent"]) == (HOST, AGENT), kind
        assert one("email.change_requested")["detail"] == {"to": "alice@example.org"}
        changed = one("email.changed")
        assert changed["detail"] == {"from": "alice@example.com", "to": "alice@example.org"}
        assert changed["client_ip"] == HOST
        # Failed logins: against the account when it exists, the typed address otherwise, and
        # nothing when the "address" may well be a password typed into the wrong field.
        failed = [e for e in events if e["kind"] == "login.failed"]
        assert [(e["target_id"], e["target_label"]) for e in failed[:4]] == [
            (alice, "alice@example.com"),
            (None, "nobody@example.com"),
            (None, None),
            (None, None),  # an "@" alone does not make an address
        ]
        assert all(e["actor_id"] is None and e["client_ip"] == HOST for e in failed)
        assert one("login.throttled")["detail"]["retry_after"] > 0
        requested = one("password.reset_requested")
        assert requested["actor_id"] is None and requested["client_ip"] == HOST
        invited = one("invite.created")
        assert invited["target_id"] == invite["id"] and invited["target_label"] == "for bob"
        assert invited["actor_email"] == "admin@example.com"

        stored = json.dumps([{k: str(v) for k, v in e.items()} for e in events])
        for secret in secrets:
            assert secret not in stored
