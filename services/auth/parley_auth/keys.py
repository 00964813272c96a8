"""RSA signing keys: load PEM files once as key objects, publish them as a JWKS, generate them."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from parley_common.jwk import thumbprint
from parley_common.settings import SettingsError

from parley_auth.config import Settings

ALGORITHM = "RS256"
MIN_KEY_BITS = 2048
PRIVATE_KEY_NAME = "signing-key.pem"
JWKS_NAME = "jwks.json"


@dataclass(frozen=True)
class SigningKey:
    """A private key object with its RFC 7638 ``kid`` and public JWK."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        jwk.pop("key_ops", None)  # RFC 7517 4.3: "use" and "key_ops" should not be combined
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    @classmethod
    def from_private_key(cls, key: rsa.RSAPrivateKey) -> SigningKey:
        return cls(private_key=key, kid=thumbprint(key.public_key()))


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(path: Path) -> rsa.RSAPrivateKey:
    """Read one PEM private key; SettingsError (naming SIGNING_KEY_FILES) when unusable."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SettingsError(f"SIGNING_KEY_FILES: cannot load {path}: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SettingsError(f"SIGNING_KEY_FILES: {path} is not an RSA private key")
    if key.key_size < MIN_KEY_BITS:
        raise SettingsError(f"SIGNING_KEY_FILES: {path} has {key.key_size} bits, need 2048+")
    return key


def load_signing_keys(settings: Settings) -> list[SigningKey]:
    """The configured keys, first one signing; in development an ephemeral key when none."""
    if settings.SIGNING_KEY_FILES:
        return [
            SigningKey.from_private_key(load_private_key(path))
            for path in settings.SIGNING_KEY_FILES
        ]
    if settings.is_production:
        raise SettingsError("SIGNING_KEY_FILES is not set (production needs a real private key)")
    return [SigningKey.from_private_key(generate_private_key())]


def jwks_document(keys: list[SigningKey]) -> dict[str, Any]:
    return {"keys": [key.public_jwk() for key in keys]}


def generate_key_files(directory: Path) -> tuple[Path, Path]:
    """Write ``signing-key.pem`` (0600) and ``jwks.json`` into ``directory`` when absent."""
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / PRIVATE_KEY_NAME
    jwks_path = directory / JWKS_NAME
    if key_path.exists():
        key = load_private_key(key_path)
    else:
        key = generate_private_key()
        # Create with 0600 from the start so the key is never readable by others.
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_pem(key))
    if not jwks_path.exists():
        document = jwks_document([SigningKey.from_private_key(key)])
        jwks_path.write_text(json.dumps(document, indent=2) + "\n")
    return key_path, jwks_path
