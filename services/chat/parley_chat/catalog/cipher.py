"""Stored provider keys: Fernet-encrypted with CATALOG_SECRET_KEY, never kept in clear."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class KeyCipher:
    """Encrypts with the first of CATALOG_SECRET_KEY's keys and decrypts with any of them,
    so the key can be rotated: add the new one first, re-save the keys, drop the old one."""

    def __init__(self, secret: str) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in split_keys(secret)])

    def encrypt(self, api_key: str) -> str:
        return self._fernet.encrypt(api_key.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str | None:
        """The key, or None when no configured key opens ``token`` (rotated away, or unset)."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            return None


def split_keys(secret: str) -> list[str]:
    """CATALOG_SECRET_KEY's keys: one Fernet key, or several separated by commas."""
    return [k.strip() for k in secret.split(",") if k.strip()]


def check_secret(secret: str) -> None:
    """Raise ValueError (without the key) unless every key is a Fernet key."""
    keys = split_keys(secret)
    if not keys:
        raise ValueError("CATALOG_SECRET_KEY is empty")
    for index, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError(
                f"CATALOG_SECRET_KEY key {index + 1} is not a Fernet key (32 url-safe "
                'base64-encoded bytes: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())")'
            ) from None
