"""Tokens are verified locally: forged ones are 401 (never 500), keys come from a file or a URL."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from parley_chat.config import Settings
from parley_common.settings import SettingsError
from parley_testing import TestKey as Key
from parley_testing import serve_asgi
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .conftest import Chat, running_chat


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(sub: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": "parley-auth", "aud": "parley", "sub": sub, "iat": now, "exp": now + 600}
    claims.update(overrides)
    return claims


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


def forged_tokens(key: Key, other: Key, sub: str) -> dict[str, str]:
    valid = key.token(sub)
    head, _payload, signature = valid.split(".")
    tampered = _b64(json.dumps(_claims(str(uuid.uuid4()))).encode())
    hs_signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": key.kid}, _claims(sub))
    hs_signature = hmac.new(key.public_pem(), hs_signing_input.encode(), hashlib.sha256).digest()
    return {
        "alg none": _unsigned({"alg": "none", "typ": "JWT", "kid": key.kid}, _claims(sub)) + ".",
        "HS256 with the public key": hs_signing_input + "." + _b64(hs_signature),
        "expired": key.token(sub, lifetime=-3600),
        "wrong audience": key.token(sub, audience="someone-else"),
        "wrong issuer": key.token(sub, issuer="evil-auth"),
        "tampered payload": f"{head}.{tampered}.{signature}",
        "unknown key": other.token(sub),
        "missing exp": key.token(sub, exp=None),
        "missing iat": key.token(sub, iat=None),
        "missing sub": _signed(key, {k: v for k, v in _claims(sub).items() if k != "sub"}),
        "numeric sub": _signed(key, _claims(sub) | {"sub": 42}),
        "garbage": "not-a-jwt",
        "empty segments": "..",
    }


def _signed(key: Key, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


async def test_forged_tokens_are_rejected_with_401(
    chat: Chat, signing_key: Key, other_key: Key
) -> None:
    alice = chat.user()
    for name, token in forged_tokens(signing_key, other_key, alice.id).items():
        headers = {"Authorization": f"Bearer {token}"}
        for method, path in [("GET", "/api/chats"), ("POST", "/api/chats")]:
            response = await chat.http.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (name, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer"), name
            assert isinstance(response.json()["detail"], str), name
    # Nothing was created for alice by any forged request.
    listed = await chat.http.get("/api/chats", headers=alice.headers)
    assert listed.status_code == 200
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}],
    ids=["no header", "basic", "empty bearer"],
)
async def test_missing_credentials_are_401(chat: Chat, headers: dict[str, str]) -> None:
    response = await chat.http.get("/api/chats", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"]


async def test_public_key_pem_file_is_accepted(
    make_settings: Any, signing_key: Key, tmp_path: Any
) -> None:
    pem = signing_key.write_public_pem(tmp_path / "public.pem")
    async with running_chat(make_settings(AUTH_PUBLIC_KEYS_FILE=str(pem)), signing_key) as chat:
        response = await chat.http.get("/api/chats", headers=chat.user().headers)
        assert response.status_code == 200


async def test_jwks_url_is_fetched_and_refetched_on_unknown_kid(
    make_settings: Any, signing_key: Key, other_key: Key
) -> None:
    published = {"keys": [signing_key.public_jwk()]}
    fetches: list[float] = []

    async def jwks(request: Request) -> JSONResponse:
        fetches.append(time.monotonic())
        return JSONResponse(published)

    with serve_asgi(Starlette(routes=[Route("/jwks.json", jwks)])) as auth_url:
        settings = make_settings(AUTH_PUBLIC_KEYS_FILE=None, AUTH_JWKS_URL=f"{auth_url}/jwks.json")
        async with running_chat(settings, signing_key) as chat:
            assert len(fetches) == 1  # fetched once at start
            ok = await chat.http.get("/api/chats", headers=chat.user().headers)
            assert ok.status_code == 200
            assert len(fetches) == 1  # known kid: served from the cache

            # The auth service rotates in a new key: the first token with its kid triggers one
            # refetch and is accepted.
            published["keys"].append(other_key.public_jwk())
            rotated = {"Authorization": f"Bearer {other_key.token(str(uuid.uuid4()))}"}
            assert (await chat.http.get("/api/chats", headers=rotated)).status_code == 200
            assert len(fetches) == 2

            # Unknown kids within 30 s do not hammer the auth service.
            stranger = Key.generate()
            bad = {"Authorization": f"Bearer {stranger.token(str(uuid.uuid4()))}"}
            for _ in range(3):
                assert (await chat.http.get("/api/chats", headers=bad)).status_code == 401
            assert len(fetches) == 2


async def test_jwks_url_down_at_start_then_recovers(make_settings: Any, signing_key: Key) -> None:
    # The auth service is not up yet when chat starts: chat starts anyway, is not ready and
    # answers 401 (never 500), then loads the keys in the background once auth is up.
    state = {"up": False}

    async def jwks(request: Request) -> JSONResponse:
        if not state["up"]:
            return JSONResponse({"detail": "starting"}, status_code=503)
        return JSONResponse({"keys": [signing_key.public_jwk()]})

    with serve_asgi(Starlette(routes=[Route("/jwks.json", jwks)])) as auth_url:
        settings = make_settings(AUTH_PUBLIC_KEYS_FILE=None, AUTH_JWKS_URL=f"{auth_url}/jwks.json")
        async with running_chat(settings, signing_key) as chat:
            ready = await chat.http.get("/api/readyz")
            assert ready.status_code == 503
            assert ready.json()["detail"]
            response = await chat.http.get("/api/chats", headers=chat.user().headers)
            assert response.status_code == 401
            state["up"] = True
            for _ in range(100):
                if (await chat.http.get("/api/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            response = await chat.http.get("/api/chats", headers=chat.user().headers)
            assert response.status_code == 200


def test_production_refuses_missing_keys_and_dev_database() -> None:
    with pytest.raises(SettingsError, match="AUTH_PUBLIC_KEYS_FILE") as refused:
        Settings(ENV="production", DATABASE_URL="postgresql://u:p@db/chat")
    assert "DATABASE_URL" not in str(refused.value)
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings(ENV="production", AUTH_JWKS_URL="http://auth/jwks.json")
    with pytest.raises(SettingsError, match="CORS_ORIGINS"):
        Settings(
            ENV="production",
            DATABASE_URL="postgresql://u:p@db/chat",
            AUTH_JWKS_URL="http://a/j",
            CORS_ORIGINS="*",
        )
    ok = Settings(
        ENV="production",
        DATABASE_URL="postgresql://u:p@db/chat",
        AUTH_JWKS_URL="http://a/j",
        AUTH_URL="http://a",
        SERVICE_TOKEN="t" * 32,
    )
    assert ok.ENV == "production"
