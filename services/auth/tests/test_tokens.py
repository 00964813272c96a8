"""Access tokens verify with the public key alone, through the JWKS, and across key rotation."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import parley_testing as pt
from cryptography.hazmat.primitives import serialization

from .conftest import Auth, AuthFactory, bearer

REQUIRED = ["exp", "iat", "iss", "aud", "sub"]


def verify(token: str, key: object) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(
        token,
        key,  # type: ignore[arg-type]
        algorithms=["RS256"],
        audience="parley",
        issuer="parley-auth",
        options={"require": REQUIRED},
    )
    return claims


async def test_token_verifies_with_only_the_public_key(auth: Auth, signing_key: pt.TestKey) -> None:
    user, token = await auth.user("alice@example.com")
    public_key = serialization.load_pem_public_key(signing_key.public_pem())
    claims = verify(token, public_key)
    assert claims["sub"] == user["id"]
    assert claims["iss"] == "parley-auth" and claims["aud"] == "parley"
    assert isinstance(claims["iat"], int) and claims["nbf"] == claims["iat"]
    assert claims["exp"] == claims["iat"] + 900
    assert abs(claims["iat"] - time.time()) < 30
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16
    assert claims["role"] == "member" and claims["email_verified"] is False
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == signing_key.kid


async def test_a_superusers_token_says_admin(auth: Auth, signing_key: pt.TestKey) -> None:
    await auth.register("root@example.com")
    auth.sql("UPDATE users SET is_superuser = true")
    token = (await auth.tokens("root@example.com"))["access_token"]
    public_key = serialization.load_pem_public_key(signing_key.public_pem())
    assert verify(token, public_key)["role"] == "admin"


async def test_every_token_has_its_own_jti(auth: Auth) -> None:
    await auth.register("alice@example.com")
    first = (await auth.tokens("alice@example.com"))["access_token"]
    second = (await auth.tokens("alice@example.com"))["access_token"]
    assert (
        jwt.decode(first, options={"verify_signature": False})["jti"]
        != jwt.decode(second, options={"verify_signature": False})["jti"]
    )


async def test_token_verifies_through_the_jwks_document(
    auth: Auth, signing_key: pt.TestKey
) -> None:
    _, token = await auth.user("alice@example.com")
    response = await auth.client.get("/auth/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    [jwk] = response.json()["keys"]
    assert jwk["kid"] == signing_key.kid == pt.thumbprint(signing_key.private_key.public_key())
    assert jwk["alg"] == "RS256" and jwk["use"] == "sig" and jwk["kty"] == "RSA"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys()  # public parts only
    assert "key_ops" not in jwk  # RFC 7517: not together with "use"
    jwks = jwt.PyJWKSet.from_dict(response.json())
    signing = jwks[jwt.get_unverified_header(token)["kid"]]
    assert verify(token, signing.key)["iss"] == "parley-auth"


async def test_rotation_first_key_signs_and_both_are_published(
    make_auth: AuthFactory, tmp_path: Path, signing_key: pt.TestKey, key_file: Path
) -> None:
    new_key = pt.TestKey.generate()
    new_file = tmp_path / "new.pem"
    new_file.write_bytes(new_key.private_pem())
    async with make_auth(SIGNING_KEY_FILES=[new_file, key_file]) as auth:
        user, token = await auth.user("alice@example.com")
        assert jwt.get_unverified_header(token)["kid"] == new_key.kid
        jwks = (await auth.client.get("/auth/.well-known/jwks.json")).json()
        assert [k["kid"] for k in jwks["keys"]] == [new_key.kid, signing_key.kid]
        # Tokens signed by the old key before the rotation are still accepted.
        old_token = signing_key.token(user["id"])
        me = await auth.client.get("/auth/users/me", headers=bearer(old_token))
        assert me.status_code == 200


async def test_forged_or_stale_tokens_are_401(
    auth: Auth, signing_key: pt.TestKey, other_key: pt.TestKey
) -> None:
    user, good = await auth.user("alice@example.com")
    sub = user["id"]
    tokens = {
        "other_key": other_key.token(sub, headers={"kid": signing_key.kid}),
        "unknown_kid": other_key.token(sub),
        "expired": signing_key.token(sub, lifetime=-60),
        "not_yet_valid": signing_key.token(sub, nbf=int(time.time()) + 600),
        "wrong_audience": signing_key.token(sub, audience="someone-else"),
        "wrong_issuer": signing_key.token(sub, issuer="evil"),
        "no_exp": signing_key.token(sub, exp=None),
        "no_jti": signing_key.token(sub, jti=None),
        "unknown_user": signing_key.token("6f1c1d3e-0000-4000-8000-000000000000"),
        "not_a_uuid": signing_key.token("42"),
        "alg_none": jwt.encode({"sub": sub, "aud": "parley", "iss": "parley-auth"}, None, "none"),  # type: ignore[arg-type]
        "hs256_with_public_pem": forge_hs256(signing_key, sub),
        "tampered": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        "garbage": "not.a.jwt",
    }
    assert (await auth.client.get("/auth/users/me", headers=bearer(good))).status_code == 200
    for name, token in tokens.items():
        response = await auth.client.get("/auth/users/me", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.json() == {"detail": "Unauthorized"}


def forge_hs256(key: pt.TestKey, sub: str) -> str:
    """The classic confusion attack: HMAC-sign with the public PEM as the secret."""
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    claims = {"sub": sub, "aud": "parley", "iss": "parley-auth", "iat": now, "exp": now + 60}
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(key.public_pem(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64(signature)}"
