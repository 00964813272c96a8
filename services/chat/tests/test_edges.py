"""What the service shows the internet: API docs, and whose forwarded headers it believes."""

from __future__ import annotations

from typing import Any

import pytest
from parley_testing import TestKey as Key

from .conftest import running_chat

DOCS = ["/api/docs", "/api/openapi.json"]
# Production needs the account-changes feed configured; nobody answers at this address.
PRODUCTION = {"ENV": "production", "AUTH_URL": "http://127.0.0.1:9", "SERVICE_TOKEN": "t" * 32}


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({}, 200),
        ({**PRODUCTION}, 404),
        ({**PRODUCTION, "API_DOCS_ENABLED": "true"}, 200),
        ({"API_DOCS_ENABLED": "false"}, 404),
    ],
    ids=["development", "production", "production-enabled", "development-disabled"],
)
async def test_docs_follow_the_environment_unless_set(
    make_settings: Any, signing_key: Key, overrides: dict[str, Any], status: int
) -> None:
    async with running_chat(make_settings(**overrides), signing_key) as chat:
        for path in DOCS:
            assert (await chat.http.get(path)).status_code == status, path
        assert (await chat.http.get("/api/healthz")).status_code == 200


async def redirect_target(chat_http: Any, headers: dict[str, str]) -> str:
    # A trailing slash is redirected to the canonical path, built from the request's scheme.
    response = await chat_http.get("/api/chats/", headers=headers)
    assert response.status_code == 307
    location: str = response.headers["location"]
    return location


async def test_forwarded_https_is_believed_from_the_configured_gateway(
    make_settings: Any, signing_key: Key
) -> None:
    # The test client connects from 127.0.0.1, the default FORWARDED_ALLOW_IPS.
    async with running_chat(make_settings(), signing_key) as chat:
        target = await redirect_target(chat.http, {"X-Forwarded-Proto": "https"})
        assert target.startswith("https://")


async def test_forwarded_https_from_anyone_else_is_ignored(
    make_settings: Any, signing_key: Key
) -> None:
    settings = make_settings(FORWARDED_ALLOW_IPS="10.42.0.0/16")
    async with running_chat(settings, signing_key) as chat:
        target = await redirect_target(chat.http, {"X-Forwarded-Proto": "https"})
        assert target.startswith("http://127.0.0.1:")
