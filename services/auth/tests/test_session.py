"""Login, refresh rotation with reuse detection, logout."""

from __future__ import annotations

import asyncio

import httpx

from .conftest import BODY_DELIVERY, PASSWORD, Auth, AuthFactory, bearer


def cookie_header(response: httpx.Response) -> str:
    [header] = [v for v in response.headers.get_list("set-cookie") if "parley_refresh=" in v]
    return header


async def refresh_in_body(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": token}, headers=BODY_DELIVERY)


async def test_login_returns_tokens_and_a_strict_httponly_cookie(auth: Auth) -> None:
    await auth.register("alice@example.com")
    response = await auth.login("ALICE@example.com", headers=BODY_DELIVERY)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["access_token"].count(".") == 2
    assert len(body["refresh_token"]) >= 40
    assert response.headers["cache-control"] == "no-store"
    cookie = cookie_header(response)
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert f"parley_refresh={body['refresh_token']}".lower() in attributes
    assert {"httponly", "samesite=strict", "path=/auth"} <= attributes
    assert "secure" not in attributes  # plain http, no proxy saying otherwise
    me = await auth.client.get("/auth/users/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"


async def test_cookie_is_secure_behind_an_https_proxy(auth: Auth) -> None:
    # The test client connects from 127.0.0.1, the default FORWARDED_ALLOW_IPS (the gateway).)
    await auth.register("alice@example.com")
    response = await auth.login("alice@example.com", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in {p.strip().lower() for p in cookie_header(response).split(";")}


async def test_cookie_is_secure_over_https(make_auth: AuthFactory) -> None:
    async with make_auth(base_url="https://testserver") as auth:
        await auth.register("alice@example.com")
        response = await auth.login("alice@example.com")
        assert "secure" in {p.strip().lower() for p in cookie_header(response).split(";")}


async def test_bad_credentials_all_look_the_same(auth: Auth) -> None:
    await auth.register("alice@example.com")
    await auth.register("inactive@example.com")
    auth.sql("UPDATE users SET is_active = false WHERE email = 'inactive@example.com'")
    attempts = [
        ("alice@example.com", "wrong password here"),
        ("nobody@example.com", PASSWORD),
        ("inactive@example.com", PASSWORD),
        ("not even an email", PASSWORD),
    ]
    for username, password in attempts:
        response = await auth.login(username, password)
        assert response.status_code == 400, username
        assert response.json() == {"detail": "LOGIN_BAD_CREDENTIALS"}
        assert "set-cookie" not in response.headers


async def test_oversized_login_fields_are_plain_bad_credentials(auth: Auth) -> None:
    await auth.register("alice@example.com")
    for username, password in [
        ("a" * 400 + "@example.com", PASSWORD),
        ("alice@example.com", "p" * 10_000),
    ]:
        response = await auth.login(username, password)
        assert response.status_code == 400
        assert response.json() == {"detail": "LOGIN_BAD_CREDENTIALS"}


async def test_login_without_form_fields_is_422(auth: Auth) -> None:
    assert (await auth.client.post("/auth/login", data={"username": "a@b.c"})).status_code == 422
    response = await auth.client.post("/auth/login", json={"username": "a", "password": "b"})
    assert response.status_code == 422


async def test_refresh_with_body_rotates_the_token(auth: Auth) -> None:
    await auth.register("alice@example.com")
    first = await auth.tokens("alice@example.com")
    response = await refresh_in_body(auth.client, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    me = await auth.client.get("/auth/users/me", headers=bearer(second["access_token"]))
    assert me.status_code == 200
    # The successor works once more.
    third = await refresh_in_body(auth.client, second["refresh_token"])
    assert third.status_code == 200


async def test_refresh_with_the_cookie_rotates_the_cookie(auth: Auth) -> None:
    await auth.register("alice@example.com")
    await auth.tokens("alice@example.com")  # the client keeps the cookie
    old_cookie = auth.client.cookies["parley_refresh"]
    # Even when asked for, a cookie's token never goes into a body (scripts could read it).
    response = await auth.client.post("/auth/refresh", headers=BODY_DELIVERY)
    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    assert auth.client.cookies["parley_refresh"] not in ("", old_cookie)


async def test_reusing_a_rotated_token_revokes_the_whole_family(auth: Auth) -> None:
    await auth.register("alice@example.com")
    stolen = (await auth.tokens("alice@example.com"))["refresh_token"]
    rotated = await refresh_in_body(auth.client, stolen)
    successor = rotated.json()["refresh_token"]

    async with auth.other_client() as thief:
        replay = await refresh_in_body(thief, stolen)
    assert replay.status_code == 401
    assert replay.json() == {"detail": "INVALID_REFRESH_TOKEN"}
    # The legitimate successor died with its family.
    after = await refresh_in_body(auth.client, successor)
    assert after.status_code == 401


async def test_reuse_does_not_touch_other_sessions(auth: Auth) -> None:
    await auth.register("alice@example.com")
    laptop = (await auth.tokens("alice@example.com"))["refresh_token"]
    phone = (await auth.tokens("alice@example.com"))["refresh_token"]
    await auth.client.post("/auth/refresh", json={"refresh_token": laptop})
    async with auth.other_client() as thief:
        await thief.post("/auth/refresh", json={"refresh_token": laptop})  # reuse
    response = await auth.client.post("/auth/refresh", json={"refresh_token": phone})
    assert response.status_code == 200


async def test_concurrent_refreshes_by_one_client_share_one_successor(auth: Auth) -> None:
    # Tabs of one browser racing on the same cookie: nobody is logged out.
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    responses = await asyncio.gather(*(refresh_in_body(auth.client, token) for _ in range(8)))
    assert [r.status_code for r in responses] == [200] * 8
    assert len({r.json()["refresh_token"] for r in responses}) == 1
    assert (await refresh_in_body(auth.client, responses[0].json()["refresh_token"])).is_success


async def test_concurrent_refreshes_from_different_clients_have_one_winner(auth: Auth) -> None:
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    clients = [auth.other_client(f"198.51.100.{n}") for n in range(1, 9)]
    responses = await asyncio.gather(*(refresh_in_body(client, token) for client in clients))
    for client in clients:
        await client.aclose()
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [401] * 7, codes
    # The losers' replays revoked the family, the winner's successor included.
    [winner] = [r for r in responses if r.status_code == 200]
    assert (await refresh_in_body(auth.client, winner.json()["refresh_token"])).status_code == 401


async def test_missing_unknown_or_expired_refresh_tokens_are_401(auth: Auth) -> None:
    assert (await auth.client.post("/auth/refresh")).status_code == 401
    assert (await auth.client.post("/auth/refresh", json={})).status_code == 401
    unknown = await auth.client.post("/auth/refresh", json={"refresh_token": "x" * 43})
    assert unknown.status_code == 401
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    auth.sql("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
    expired = await auth.client.post("/auth/refresh", json={"refresh_token": token})
    assert expired.status_code == 401
    bad = await auth.client.post("/auth/refresh", json={"refresh_token": 12})
    assert bad.status_code == 422


async def test_deactivated_user_cannot_refresh(auth: Auth) -> None:
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    auth.sql("UPDATE users SET is_active = false")
    response = await auth.client.post("/auth/refresh", json={"refresh_token": token})
    assert response.status_code == 401


async def test_logout_revokes_the_family_and_clears_the_cookie(auth: Auth) -> None:
    await auth.register("alice@example.com")
    first = (await auth.tokens("alice@example.com"))["refresh_token"]
    other_session = (await auth.tokens("alice@example.com"))["refresh_token"]
    rotated = await refresh_in_body(auth.client, first)
    current = rotated.json()["refresh_token"]

    response = await auth.client.post("/auth/logout", json={"refresh_token": current})
    assert response.status_code == 204
    cleared = cookie_header(response).lower()
    assert "max-age=0" in cleared and "path=/auth" in cleared
    assert "parley_refresh" not in auth.client.cookies
    refresh = await auth.client.post("/auth/refresh", json={"refresh_token": current})
    assert refresh.status_code == 401
    # Logging out one device leaves the others signed in.
    other = await auth.client.post("/auth/refresh", json={"refresh_token": other_session})
    assert other.status_code == 200


async def test_logout_with_the_cookie(auth: Auth) -> None:
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    assert (await auth.client.post("/auth/logout")).status_code == 204
    response = await auth.client.post("/auth/refresh", json={"refresh_token": token})
    assert response.status_code == 401


async def test_logout_without_a_session_is_still_204(auth: Auth) -> None:
    assert (await auth.client.post("/auth/logout")).status_code == 204
    response = await auth.client.post("/auth/logout", json={"refresh_token": "unknown"})
    assert response.status_code == 204


async def test_refresh_tokens_are_stored_hashed(auth: Auth) -> None:
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    [(stored,)] = auth.sql("SELECT token_hash FROM refresh_tokens")
    assert token not in stored and len(stored) == 64
