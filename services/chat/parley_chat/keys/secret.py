"""The key format: ``pk-parley-`` and 40 URL-safe characters; stored only as SHA-256."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import NamedTuple

KEY_PREFIX = "pk-parley-"
RANDOM_CHARS = 40  # of the token_urlsafe alphabet: 240 bits
PREFIX_CHARS = len(KEY_PREFIX) + 8  # what lists show: "pk-parley-" and 8 characters
_SHAPE = re.compile(rf"^{KEY_PREFIX}[A-Za-z0-9_-]{{{RANDOM_CHARS}}}$")


class NewSecret(NamedTuple):
    key: str  # shown once, to its owner, never stored
    prefix: str
    secret_hash: str


def hash_key(key: str) -> str:
    """SHA-256 hex of the whole key: 240 random bits make a slow hash pointless."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_secret() -> NewSecret:
    # token_urlsafe(30) is exactly 40 characters (30 bytes, base64 without padding).
    key = KEY_PREFIX + secrets.token_urlsafe(RANDOM_CHARS * 3 // 4)
    return NewSecret(key, key[:PREFIX_CHARS], hash_key(key))


def looks_like_key(token: str) -> bool:
    """The bearer is meant as an API key (checked further only if well formed)."""
    return token.startswith(KEY_PREFIX)


def well_formed(key: str) -> bool:
    return _SHAPE.match(key) is not None
