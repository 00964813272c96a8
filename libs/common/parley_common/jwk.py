"""RFC 7638 JWK thumbprints: the ``kid`` auth signs with and chat looks keys up by."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey


def thumbprint(public_key: RSAPublicKey) -> str:
    """SHA-256 thumbprint of an RSA public key, base64url without padding (RFC 7638 3.1)."""
    numbers = public_key.public_numbers()
    # The required members only, sorted, no whitespace: the same key gives the same bytes.
    members = {"e": _b64uint(numbers.e), "kty": "RSA", "n": _b64uint(numbers.n)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return _b64url(digest)


def _b64uint(value: int) -> str:
    """An unsigned integer as its shortest big-endian bytes, base64url (RFC 7518 2)."""
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
