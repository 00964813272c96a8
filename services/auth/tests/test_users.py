"""/auth/users/me for everyone, /auth/users/{id} for superusers only."""

from __future__ import annotations

import uuid

from .conftest import PASSWORD, Auth, bearer, fullwidth


async def make_superuser(auth: Auth, email: str = "admin@example.com") -> str:
    await auth.register(email)
    auth.sql("UPDATE users SET is_superuser = true WHERE email = %s", email)
    return str((await auth.tokens(email))["access_token"])


async def test_me_needs_a_token(auth: Auth) -> None:
    response = await auth.client.get("/auth/users/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


async def test_inactive_user_is_refused_even_with_a_valid_token(auth: Auth) -> None:
    _, token = await auth.user("alice@example.com")
    auth.sql("UPDATE users SET is_active = false")
    assert (await auth.client.get("/auth/users/me", headers=bearer(token))).status_code == 401


async def test_patch_me_to_a_taken_email_in_other_form_is_400(auth: Auth) -> None:
    await auth.register("bob@example.com")
    _, token = await auth.user("alice@example.com")
    for variant in ("BOB@example.com", fullwidth("bob") + "@example.com"):
        response = await auth.client.patch(
            "/auth/users/me",
            headers=bearer(token),
            json={"email": variant, "current_password": PASSWORD},
        )
        assert response.status_code == 400, variant
        assert response.json() == {"detail": "UPDATE_USER_EMAIL_ALREADY_EXISTS"}


async def test_patch_me_password_follows_the_policy(auth: Auth) -> None:
    _, token = await auth.user("alice@example.com")
    for password, reason in [
        ("too short", "at least 12"),
        ("alice-forever-and-ever", "email"),
        ("password1234", "too easy to guess"),
    ]:
        response = await auth.client.patch(
            "/auth/users/me",
            headers=bearer(token),
            json={"password": password, "current_password": PASSWORD},
        )
        assert response.status_code == 400, password
        assert response.json()["detail"]["code"] == "UPDATE_USER_INVALID_PASSWORD"
        assert reason in response.json()["detail"]["reason"], password
    assert (await auth.login("alice@example.com")).status_code == 200


async def test_patch_me_with_bad_body_is_422(auth: Auth) -> None:
    _, token = await auth.user("alice@example.com")
    response = await auth.client.patch(
        "/auth/users/me", headers=bearer(token), json={"email": "nope"}
    )
    assert response.status_code == 422


async def test_regular_users_cannot_administer(auth: Auth) -> None:
    bob, _ = await auth.user("bob@example.com")
    _, token = await auth.user("alice@example.com")
    for method in ("GET", "PATCH", "DELETE"):
        response = await auth.client.request(
            method,
            f"/auth/users/{bob['id']}",
            headers=bearer(token),
            json={} if method == "PATCH" else None,
        )
        assert response.status_code == 403, method
    anonymous = await auth.client.get(f"/auth/users/{bob['id']}")
    assert anonymous.status_code == 401


async def test_superuser_reads_updates_and_deletes_users(auth: Auth) -> None:
    admin = await make_superuser(auth)
    bob = await auth.register("bob@example.com")
    bob_tokens = await auth.tokens("bob@example.com")
    url = f"/auth/users/{bob['id']}"

    got = await auth.client.get(url, headers=bearer(admin))
    assert got.status_code == 200 and got.json()["email"] == "bob@example.com"

    patched = await auth.client.patch(
        url, headers=bearer(admin), json={"is_active": False, "is_verified": True}
    )
    assert patched.status_code == 200
    assert patched.json()["is_active"] is False and patched.json()["is_verified"] is True
    assert (await auth.login("bob@example.com")).status_code == 400
    refresh = await auth.client.post(
        "/auth/refresh", json={"refresh_token": bob_tokens["refresh_token"]}
    )
    assert refresh.status_code == 401

    deleted = await auth.client.delete(url, headers=bearer(admin))
    assert deleted.status_code == 204
    assert (await auth.client.get(url, headers=bearer(admin))).status_code == 404
    assert auth.sql("SELECT count(*) FROM refresh_tokens WHERE user_id = %s", bob["id"]) == [(0,)]


async def test_superuser_gets_404_for_unknown_or_malformed_ids(auth: Auth) -> None:
    admin = await make_superuser(auth)
    unknown = await auth.client.get(f"/auth/users/{uuid.uuid4()}", headers=bearer(admin))
    assert unknown.status_code == 404
    malformed = await auth.client.get("/auth/users/not-a-uuid", headers=bearer(admin))
    assert malformed.status_code == 404
