"""No forged, expired or malformed reset or verification token answers anything but a 400."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest

from .conftest import Auth

NEW_PASSWORD = "a completely new passphrase"
RESET_AUD = "fastapi-users:reset"
VERIFY_AUD = "fastapi-users:verify"


def forged(auth: Auth, secret_name: str, payload: dict[str, Any], secret: str | None = None) -> str:
    real = getattr(auth.app.state.runtime.settings, secret_name).get_secret_value()
    claims = {"exp": int(time.time()) + 600, **payload}
    return jwt.encode(claims, secret if secret is not None else real, algorithm="HS256")


def cases(auth: Auth, user_id: str, audience: str, secret_name: str) -> dict[str, str]:
    bound = "password_fgpt" if audience == RESET_AUD else "email"
    good = {"sub": user_id, bound: "alice@example.com", "aud": audience}
    return {
        "garbage": "garbage",
        "empty": "",
        "three dots": "a.b.c",
        "wrong secret": forged(auth, secret_name, good, secret="x" * 40),
        "public dev default": forged(
            auth, secret_name, good, secret="dev-verification-secret-change-me"
        ),
        "alg none": jwt.encode(good, key="", algorithm="none"),
        "expired": forged(auth, secret_name, {**good, "exp": int(time.time()) - 10}),
        "no exp": jwt.encode(good, "x" * 40, algorithm="HS256"),
        "other audience": forged(auth, secret_name, {**good, "aud": "parley"}),
        "non-uuid sub": forged(auth, secret_name, {**good, "sub": "../../etc"}),
        "number sub": forged(auth, secret_name, {**good, "sub": 42}),
        "list sub": forged(auth, secret_name, {**good, "sub": [user_id]}),
        "unknown user": forged(auth, secret_name, {**good, "sub": str(uuid.uuid4())}),
        "missing bound claim": forged(auth, secret_name, {"sub": user_id, "aud": audience}),
        "bound claim is a dict": forged(auth, secret_name, {**good, bound: {"$ne": 1}}),
        "bad fingerprint": forged(auth, secret_name, {**good, bound: "$argon2id$v=19$junk"}),
        "fingerprint of nothing": forged(auth, secret_name, {**good, bound: ""}),
    }


@pytest.mark.parametrize("target", ["reset", "verify"])
async def test_every_forged_token_is_a_400(auth: Auth, target: str) -> None:
    user = await auth.register("alice@example.com")
    if target == "reset":
        table = cases(auth, user["id"], RESET_AUD, "RESET_PASSWORD_TOKEN_SECRET")
        url, code = "/auth/reset-password", "RESET_PASSWORD_BAD_TOKEN"
    else:
        table = cases(auth, user["id"], VERIFY_AUD, "VERIFICATION_TOKEN_SECRET")
        url, code = "/auth/verify", "VERIFY_USER_BAD_TOKEN"
    for name, token in table.items():
        response = await auth.client.post(url, json={"token": token, "password": NEW_PASSWORD})
        assert response.status_code == 400, (name, response.text)
        assert response.json() == {"detail": code}, name
    assert (await auth.login("alice@example.com")).status_code == 200
    assert auth.sql("SELECT is_verified FROM users") == [(False,)]


async def test_a_verification_token_does_not_reset_a_password(auth: Auth) -> None:
    user = await auth.register("alice@example.com")
    token = forged(
        auth,
        "RESET_PASSWORD_TOKEN_SECRET",
        {"sub": user["id"], "email": "alice@example.com", "aud": VERIFY_AUD},
    )
    response = await auth.client.post(
        "/auth/reset-password", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.json() == {"detail": "RESET_PASSWORD_BAD_TOKEN"}


async def test_development_secrets_are_random_not_public(auth: Auth) -> None:
    settings = auth.app.state.runtime.settings
    values = {
        settings.RESET_PASSWORD_TOKEN_SECRET.get_secret_value(),
        settings.VERIFICATION_TOKEN_SECRET.get_secret_value(),
        settings.SESSION_SECRET.get_secret_value(),
    }
    assert len(values) == 3 and all(len(v) >= 32 for v in values)
    assert "dev-verification-secret-change-me" not in values
