"""The account's own routes: current password required, sessions ended, deletion, logout-all."""

from __future__ import annotations

from typing import Any

from .conftest import PASSWORD, Auth, bearer

NEW_PASSWORD = "another long passphrase"


async def patch_me(auth: Auth, token: str, **body: Any) -> Any:
    return await auth.client.patch("/auth/users/me", headers=bearer(token), json=body)


async def test_me_shows_the_pending_email(auth: Auth) -> None:
    _, token = await auth.user("alice@example.com")
    me = (await auth.client.get("/auth/users/me", headers=bearer(token))).json()
    assert me["email"] == "alice@example.com" and me["pending_email"] is None
    assert {"id", "is_active", "is_superuser", "is_verified", "created_at"} <= me.keys()


async def test_changing_password_or_email_needs_the_current_password(auth: Auth) -> None:
    _, token = await auth.user("alice@example.com")
    for body in (
        {"password": NEW_PASSWORD},
        {"password": NEW_PASSWORD, "current_password": "not the password"},
        {"email": "mallory@example.com"},
        {"email": "mallory@example.com", "current_password": "x" * 600},
    ):
        response = await patch_me(auth, token, **body)
        assert response.status_code in (400, 422), body
        if response.status_code == 400:
            assert response.json() == {"detail": "CURRENT_PASSWORD_INVALID"}, body
    assert (await auth.login("alice@example.com")).status_code == 200
    me = (await auth.client.get("/auth/users/me", headers=bearer(token))).json()
    assert me["email"] == "alice@example.com" and me["pending_email"] is None


async def test_a_body_without_changes_is_a_harmless_200(auth: Auth) -> None:
    _, token = await auth.user("alice@example.com")
    response = await patch_me(auth, token, is_superuser=True)
    assert response.status_code == 200 and response.json()["is_superuser"] is False


async def test_password_change_ends_other_sessions_but_keeps_this_browser(auth: Auth) -> None:
    await auth.register("alice@example.com")
    other = await auth.tokens("alice@example.com")
    mine = await auth.tokens("alice@example.com")
    response = await patch_me(
        auth, mine["access_token"], password=NEW_PASSWORD, current_password=PASSWORD
    )
    assert response.status_code == 200
    fresh_cookie = response.cookies.get("parley_refresh")
    assert fresh_cookie and fresh_cookie != mine["refresh_token"]
    assert "httponly" in response.headers["set-cookie"].lower()

    # Every access token issued before is dead in auth at once, the other refresh token too.
    for old in (other["access_token"], mine["access_token"]):
        assert (await auth.client.get("/auth/users/me", headers=bearer(old))).status_code == 401
    stale = await auth.client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert stale.status_code == 401
    # This browser carries on with the fresh cookie.
    refreshed = await auth.client.post("/auth/refresh", json={"refresh_token": fresh_cookie})
    assert refreshed.status_code == 200
    new_access = refreshed.json()["access_token"]
    assert (await auth.client.get("/auth/users/me", headers=bearer(new_access))).status_code == 200
    assert (await auth.login("alice@example.com", PASSWORD)).status_code == 400
    assert (await auth.login("alice@example.com", NEW_PASSWORD)).status_code == 200


async def test_logout_all_ends_every_session(auth: Auth) -> None:
    await auth.register("alice@example.com")
    sessions = [await auth.tokens("alice@example.com") for _ in range(2)]
    response = await auth.client.post(
        "/auth/logout-all", headers=bearer(sessions[0]["access_token"])
    )
    assert response.status_code == 204
    assert 'parley_refresh=""' in response.headers["set-cookie"]
    for session in sessions:
        me = await auth.client.get("/auth/users/me", headers=bearer(session["access_token"]))
        assert me.status_code == 401
        refresh = await auth.client.post(
            "/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert refresh.status_code == 401
    # Signing in again works, with the new token version in the token.
    assert (await auth.login("alice@example.com")).status_code == 200
    assert (await auth.client.post("/auth/logout-all")).status_code == 401


async def test_delete_me_needs_the_password_then_the_account_is_gone(auth: Auth) -> None:
    user, token = await auth.user("alice@example.com")
    wrong = await auth.client.request(
        "DELETE", "/auth/users/me", headers=bearer(token), json={"current_password": "nope"}
    )
    assert wrong.status_code == 400 and wrong.json() == {"detail": "CURRENT_PASSWORD_INVALID"}
    missing = await auth.client.request("DELETE", "/auth/users/me", headers=bearer(token), json={})
    assert missing.status_code == 422

    deleted = await auth.client.request(
        "DELETE", "/auth/users/me", headers=bearer(token), json={"current_password": PASSWORD}
    )
    assert deleted.status_code == 204
    assert 'parley_refresh=""' in deleted.headers["set-cookie"]
    assert (await auth.login("alice@example.com")).status_code == 400
    assert (await auth.client.get("/auth/users/me", headers=bearer(token))).status_code == 401
    assert auth.sql("SELECT count(*) FROM refresh_tokens") == [(0,)]
    [(version, gone)] = auth.sql(
        "SELECT token_version, deleted FROM account_changes WHERE user_id = %s", user["id"]
    )
    assert gone is True and version >= 1
    # The address is free again.
    assert (await auth.register("alice@example.com"))["id"] != user["id"]


async def test_deactivation_by_a_superuser_ends_sessions_and_is_in_the_feed(auth: Auth) -> None:
    await auth.register("admin@example.com")
    auth.sql("UPDATE users SET is_superuser = true")
    admin = (await auth.tokens("admin@example.com"))["access_token"]
    bob, bob_token = await auth.user("bob@example.com")
    patched = await auth.client.patch(
        f"/auth/users/{bob['id']}", headers=bearer(admin), json={"is_active": False}
    )
    assert patched.status_code == 200
    assert auth.sql(
        "SELECT token_version, deleted FROM account_changes WHERE user_id = %s", bob["id"]
    ) == [(1, False)]
    # Reactivated, the old token stays dead: its version is behind.
    auth.sql("UPDATE users SET is_active = true")
    assert (await auth.client.get("/auth/users/me", headers=bearer(bob_token))).status_code == 401
