"""RSA key pairs and access tokens shaped like the auth service's, for tests."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from parley_common.jwk import thumbprint

DEFAULT_ISSUER = "parley-auth"
DEFAULT_AUDIENCE = "parley"


@dataclass(frozen=True)
class TestKey:
    """A private key with its RFC 7638 ``kid``."""

    __test__ = False  # not a pytest test class, despite the name

    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls) -> TestKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(private_key=key, kid=thumbprint(key.public_key()))

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        jwk.pop("key_ops", None)  # RFC 7517 4.3: don't combine key_ops with use
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def write_jwks(self, path: Path) -> Path:
        path.write_text(json.dumps({"keys": [self.public_jwk()]}))
        return path

    def write_public_pem(self, path: Path) -> Path:
        path.write_bytes(self.public_pem())
        return path

    def token(
        self,
        sub: str | None = None,
        *,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        lifetime: int = 900,
        headers: dict[str, Any] | None = None,
        token_version: int | None = 0,
        email_verified: bool | None = True,
        **claims: Any,
    ) -> str:
        """Mint an RS256 access token like the auth service does; ``claims`` override.

        ``token_version`` is the ``tv`` claim (the user's version when the token was issued),
        ``email_verified`` its claim; None leaves a claim out, as an older auth would."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": sub or str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "tv": token_version,
            "email_verified": email_verified,
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(
            payload,
            self.private_key,
            algorithm="RS256",
            headers={"kid": self.kid, **(headers or {})},
        )
