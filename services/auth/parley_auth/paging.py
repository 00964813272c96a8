"""Opaque keyset cursors: the last row's sort key, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping


class InvalidCursor(ValueError):
    """A cursor this service did not make (or made for another list)."""


INVALID_CURSOR = "INVALID_CURSOR"


def encode_cursor(key: Mapping[str, object]) -> str:
    raw = json.dumps(dict(key), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *fields: str) -> dict[str, object]:
    """The key ``encode_cursor`` wrapped; raises InvalidCursor unless it has exactly ``fields``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor(cursor) from None
    if not isinstance(key, dict) or set(key) != set(fields):
        raise InvalidCursor(cursor)
    return key


def like_prefix(text: str) -> str:
    """``text`` as a LIKE pattern matching values that start with it (wildcards escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
