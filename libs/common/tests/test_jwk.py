"""The RFC 7638 thumbprint: the RFC's own example, and the same bytes as pyjwt's JWK."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from parley_common.jwk import thumbprint

# RFC 7638 section 3.1: the example RSA key and its thumbprint.
RFC_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY"
    "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
    "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)
RFC_E = "AQAB"
RFC_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def _b64_to_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def test_the_rfc_7638_example_key_has_the_rfc_thumbprint() -> None:
    key = rsa.RSAPublicNumbers(_b64_to_int(RFC_E), _b64_to_int(RFC_N)).public_key()
    assert thumbprint(key) == RFC_THUMBPRINT


def test_it_matches_the_thumbprint_of_the_published_jwk() -> None:
    # Chat looks keys up by the kid auth publishes: both sides must give the same bytes.
    for _ in range(3):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        jwk = RSAAlgorithm.to_jwk(key, as_dict=True)
        canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
        expected = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest())
        assert thumbprint(key) == expected.rstrip(b"=").decode()
