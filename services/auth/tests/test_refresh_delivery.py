"""Refresh tokens stay in the HttpOnly cookie unless a client asks, cookie refresh and logout
refuse foreign origins, and a lost refresh response does not end the session."""

from __future__ import annotations

import asyncio

import httpx

from .conftest import BODY_DELIVERY, Auth, AuthFactory

PUBLIC = "https://chat.example.com"
WEB_DEV = "http://localhost:3000"


async def signed_in(auth: Auth) -> None:
    await auth.register("alice@example.com")
    assert (await auth.login("alice@example.com")).status_code == 200


def refresh_cookie(response: httpx.Response) -> str:
    [header] = [v for v in response.headers.get_list("set-cookie") if "parley_refresh=" in v]
    return header.split(";", 1)[0].split("=", 1)[1]


async def refresh_in_body(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": token}, headers=BODY_DELIVERY)


async def test_browsers_get_the_refresh_token_only_as_the_cookie(auth: Auth) -> None:
    await auth.register("alice@example.com")
    login = await auth.login("alice@example.com")
    assert set(login.json()) == {"access_token", "token_type", "expires_in"}
    assert auth.client.cookies["parley_refresh"]
    refreshed = await auth.client.post("/auth/refresh")
    assert refreshed.status_code == 200
    assert "refresh_token" not in refreshed.json()
    # Non-browser clients ask for it explicitly.
    asked = await auth.login("alice@example.com", headers={"X-Refresh-Token-Delivery": "Body"})
    assert asked.json()["refresh_token"] == auth.client.cookies["parley_refresh"]
    schema = (await auth.client.get("/auth/openapi.json")).json()["components"]["schemas"]
    assert "refresh_token" not in schema["TokenPair"]["required"]


async def test_cookie_refresh_and_logout_refuse_foreign_origins(make_auth: AuthFactory) -> None:
    async with make_auth(PUBLIC_BASE_URL=f"{PUBLIC}/", CORS_ORIGINS=[WEB_DEV]) as auth:
        await signed_in(auth)
        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Origin": "http://chat.example.com"},  # same host, other scheme
            {"Sec-Fetch-Site": "cross-site"},
            {"Origin": PUBLIC, "Sec-Fetch-Site": "cross-site"},
        ):
            for path in ("/auth/refresh", "/auth/logout"):
                answer = await auth.client.post(path, headers=headers)
                assert answer.status_code == 403, (path, headers)
                assert answer.json() == {"detail": "ORIGIN_NOT_ALLOWED"}
                assert "set-cookie" not in answer.headers
        # Our own pages, and clients that send no Origin at all, go through.
        for headers in (
            {"Origin": PUBLIC, "Sec-Fetch-Site": "same-origin"},
            {"Origin": "HTTPS://Chat.Example.com:443"},
            {"Origin": WEB_DEV},
            {},
        ):
            assert (await auth.client.post("/auth/refresh", headers=headers)).status_code == 200
        assert (
            await auth.client.post("/auth/logout", headers={"Origin": PUBLIC})
        ).status_code == 204
        assert (await auth.client.post("/auth/refresh")).status_code == 401


async def test_a_token_in_the_body_is_not_subject_to_the_origin_check(auth: Auth) -> None:
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    auth.client.cookies.clear()
    answer = await auth.client.post(
        "/auth/refresh",
        json={"refresh_token": token},
        headers={"Origin": "https://elsewhere.example", **BODY_DELIVERY},
    )
    assert answer.status_code == 200
    logout = await auth.client.post(
        "/auth/logout",
        json={"refresh_token": answer.json()["refresh_token"]},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert logout.status_code == 204


async def test_a_lost_cookie_refresh_is_answered_with_the_same_successor(auth: Auth) -> None:
    await signed_in(auth)
    old = auth.client.cookies["parley_refresh"]
    first = await auth.client.post("/auth/refresh")
    # The response never arrived: the browser still holds the old cookie and tries again.
    auth.client.cookies.set("parley_refresh", old, domain="testserver.local", path="/auth")
    again = await auth.client.post("/auth/refresh")
    assert first.status_code == again.status_code == 200
    assert refresh_cookie(again) == refresh_cookie(first) != old
    assert (await auth.client.post("/auth/refresh")).status_code == 200  # the session lives on


async def test_grace_without_a_device_cookie_needs_the_same_address_and_agent(
    auth: Auth,
) -> None:
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    auth.client.cookies.clear()  # a non-browser client: no device cookie
    agent = {"User-Agent": "parley-cli/1"}
    first = await auth.client.post(
        "/auth/refresh", json={"refresh_token": token}, headers={**agent, **BODY_DELIVERY}
    )
    again = await auth.client.post(
        "/auth/refresh", json={"refresh_token": token}, headers={**agent, **BODY_DELIVERY}
    )
    assert again.json()["refresh_token"] == first.json()["refresh_token"]
    # The same token from another program on the same address is reuse.
    other = await auth.client.post(
        "/auth/refresh", json={"refresh_token": token}, headers={"User-Agent": "curl/8"}
    )
    assert other.status_code == 401
    assert (await refresh_in_body(auth.client, first.json()["refresh_token"])).status_code == 401


async def test_reuse_after_the_successor_was_used_revokes_the_family(auth: Auth) -> None:
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    successor = (await refresh_in_body(auth.client, token)).json()["refresh_token"]
    newest = (await refresh_in_body(auth.client, successor)).json()["refresh_token"]
    # The first response was not lost after all: presenting its token again is reuse.
    assert (await refresh_in_body(auth.client, token)).status_code == 401
    assert (await refresh_in_body(auth.client, newest)).status_code == 401


async def test_reuse_after_the_grace_window_revokes_the_family(make_auth: AuthFactory) -> None:
    async with make_auth(REFRESH_REUSE_GRACE_SECONDS=1) as auth:
        await auth.register("alice@example.com")
        token = (await auth.tokens("alice@example.com"))["refresh_token"]
        successor = (await refresh_in_body(auth.client, token)).json()["refresh_token"]
        await asyncio.sleep(1.2)
        assert (await refresh_in_body(auth.client, token)).status_code == 401
        assert (await refresh_in_body(auth.client, successor)).status_code == 401


async def test_reuse_from_another_client_revokes_the_family(auth: Auth) -> None:
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    successor = (await refresh_in_body(auth.client, token)).json()["refresh_token"]
    async with auth.other_client() as thief:
        assert (await refresh_in_body(thief, token)).status_code == 401
    assert (await refresh_in_body(auth.client, successor)).status_code == 401


async def test_grace_ends_with_a_logout(auth: Auth) -> None:
    await auth.register("alice@example.com")
    token = (await auth.tokens("alice@example.com"))["refresh_token"]
    successor = (await refresh_in_body(auth.client, token)).json()["refresh_token"]
    await auth.client.post("/auth/logout", json={"refresh_token": successor})
    assert (await refresh_in_body(auth.client, token)).status_code == 401
