"""What the service shows the internet: API docs, forwarded headers, the refresh cookie's flags."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import BODY_DELIVERY, AuthFactory

GATEWAY = "10.42.3.4"
STRANGER = "203.0.113.7"
HTTPS = {"X-Forwarded-Proto": "https"}
DOCS = ["/auth/docs", "/auth/openapi.json"]


def cookie_flags(response: httpx.Response) -> set[str]:
    [header] = [v for v in response.headers.get_list("set-cookie") if "parley_refresh=" in v]
    return {part.strip().lower() for part in header.split(";")}


async def test_docs_are_served_in_development(make_auth: AuthFactory) -> None:
    async with make_auth() as auth:
        for path in DOCS:
            assert (await auth.client.get(path)).status_code == 200, path


async def test_docs_are_gone_in_production_by_default(
    make_auth: AuthFactory, production: dict[str, Any]
) -> None:
    async with make_auth(**production) as auth:
        for path in DOCS:
            assert (await auth.client.get(path)).status_code == 404, path
        assert (await auth.client.get("/auth/.well-known/jwks.json")).status_code == 200


async def test_docs_can_be_enabled_in_production(
    make_auth: AuthFactory, production: dict[str, Any]
) -> None:
    async with make_auth(API_DOCS_ENABLED=True, **production) as auth:
        for path in DOCS:
            assert (await auth.client.get(path)).status_code == 200, path


async def test_docs_can_be_disabled_in_development(make_auth: AuthFactory) -> None:
    async with make_auth(API_DOCS_ENABLED=False) as auth:
        for path in DOCS:
            assert (await auth.client.get(path)).status_code == 404, path


@pytest.mark.parametrize(
    ("client_host", "secure"),
    [(GATEWAY, True), (STRANGER, False), ("127.0.0.1", False)],
    ids=["from-the-gateway", "from-a-stranger", "from-loopback-not-listed"],
)
async def test_forwarded_https_counts_only_from_the_configured_network(
    make_auth: AuthFactory, client_host: str, secure: bool
) -> None:
    async with make_auth(client_host=client_host, FORWARDED_ALLOW_IPS="10.42.0.0/16") as auth:
        await auth.register("alice@example.com")
        response = await auth.login("alice@example.com", headers=HTTPS)
        assert response.status_code == 200
        assert ("secure" in cookie_flags(response)) is secure


async def test_a_client_claiming_https_does_not_get_a_secure_cookie_by_default(
    make_auth: AuthFactory,
) -> None:
    async with make_auth(client_host=STRANGER) as auth:
        await auth.register("alice@example.com")
        response = await auth.login("alice@example.com", headers=HTTPS)
        assert "secure" not in cookie_flags(response)


async def test_production_cookie_is_secure_whatever_the_headers(
    make_auth: AuthFactory, production: dict[str, Any]
) -> None:
    async with make_auth(client_host=STRANGER, **production) as auth:
        await auth.register("alice@example.com")
        login = await auth.login(
            "alice@example.com", headers={"X-Forwarded-Proto": "http", **BODY_DELIVERY}
        )
        assert "secure" in cookie_flags(login)
        token = {"refresh_token": login.json()["refresh_token"]}
        refreshed = await auth.client.post("/auth/refresh", json=token, headers=BODY_DELIVERY)
        assert refreshed.status_code == 200
        assert "secure" in cookie_flags(refreshed)
        logout = await auth.client.post("/auth/logout", json=refreshed.json())
        assert "secure" in cookie_flags(logout)
