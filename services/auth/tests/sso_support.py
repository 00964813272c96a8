"""Driving single sign-on as a browser would: the auth app in process (http://testserver), the
real OpenID Provider over HTTP, one cookie jar for both."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import parley_testing as pt

from .conftest import SSO_CLIENT_SECRET, Auth, AuthFactory, bearer

BASE = "http://testserver"


def provider_entry(provider: pt.OidcProvider, **overrides: Any) -> dict[str, Any]:
    """The OIDC_PROVIDERS entry naming the test provider as ``corp``."""
    entry: dict[str, Any] = {
        "id": "corp",
        "name": "Corp SSO",
        "discovery_url": provider.discovery_url,
        "client_id": provider.client_id,
        "client_secret": SSO_CLIENT_SECRET,
    }
    return entry | overrides


def providers_setting(provider: pt.OidcProvider, **overrides: Any) -> str:
    """OIDC_PROVIDERS with that one entry."""
    return json.dumps([provider_entry(provider, **overrides)])


@asynccontextmanager
async def sso_auth(
    make_auth: AuthFactory,
    provider: pt.OidcProvider,
    settings: dict[str, Any] | None = None,
    **overrides: Any,
) -> AsyncIterator[Auth]:
    """An auth app with the test provider as ``corp`` (``overrides``: its OIDC_PROVIDERS
    fields; ``settings``: other settings)."""
    values = {
        "OIDC_PROVIDERS": providers_setting(provider, **overrides),
        # The callback the provider sends the browser to: PUBLIC_BASE_URL/auth/sso/corp/callback.
        "PUBLIC_BASE_URL": BASE,
    } | (settings or {})
    async with make_auth(base_url=BASE, **values) as auth:
        yield auth


def person(provider: pt.OidcProvider, **claims: Any) -> str:
    """A new account at the provider (a login of its own); returns the login."""
    login = f"p-{uuid.uuid4().hex[:10]}"
    values = {
        "email": f"{login}@example.com",
        "email_verified": True,
        "name": login.title(),
        "groups": [],
    }
    provider.set_account(login, values | claims)
    return login


def browser(auth: Auth) -> httpx.AsyncClient:
    """A browser: testserver is the app in process, the provider is reached over HTTP."""
    transport = httpx.ASGITransport(app=auth.app, client=("127.0.0.1", 50_000))
    return httpx.AsyncClient(mounts={f"{BASE}": transport}, headers={"User-Agent": "browser/1"})


@dataclass
class Landing:
    """Where a sign-in ended: the callback's answer and the browser that got it."""

    response: httpx.Response
    browser: httpx.AsyncClient

    @property
    def location(self) -> str:
        return self.response.headers["location"]

    def cookie(self, name: str) -> str | None:
        for value in self.response.headers.get_list("set-cookie"):
            if value.startswith(f"{name}="):
                return value
        return None

    async def access_token(self) -> str:
        """What the web app does on landing: trade the refresh cookie for an access token."""
        refreshed = await self.browser.post(f"{BASE}/auth/refresh")
        assert refreshed.status_code == 200, refreshed.text
        token: str = refreshed.json()["access_token"]
        return token

    async def me(self) -> dict[str, Any]:
        token = await self.access_token()
        me = await self.browser.get(f"{BASE}/auth/users/me", headers=bearer(token))
        assert me.status_code == 200, me.text
        body: dict[str, Any] = me.json()
        return body


async def sign_in(
    client: httpx.AsyncClient,
    provider: pt.OidcProvider,
    login: str,
    next_path: str | None = None,
) -> Landing:
    """Sign in with ``corp`` as ``login`` in the browser ``client``."""
    url = f"{BASE}/auth/sso/corp/login"
    if next_path is not None:
        url += f"?next={quote(next_path, safe='')}"
    response = await pt.sign_in(client, url, provider, login)
    return Landing(response, client)


def failure(landing: Landing) -> str | None:
    """The ``sso_error`` code the sign-in landed on, or None for a success."""
    location = landing.location
    prefix = "/login?sso_error="
    return location.removeprefix(prefix) if location.startswith(prefix) else None


def audit_kinds(auth: Auth) -> list[str]:
    return [kind for (kind,) in auth.sql("SELECT kind FROM audit_events ORDER BY id")]
