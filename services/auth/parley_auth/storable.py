"""Input PostgreSQL cannot take: text with NUL or lone surrogates, instants out of its range.

Checked at the edge so such input is a 422, not a database error answered as an outage (503).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def storable_text(value: str) -> bool:
    """Whether PostgreSQL can store ``value`` (UTF-8 without NUL)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, as JSON's "\ud800" decodes to
        return False
    return True


def storable_instant(value: datetime) -> bool:
    """Whether ``value`` (aware) still lies within the calendar once moved to UTC."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


def storable_json(value: object) -> bool:
    """Whether every key and string inside ``value`` is storable text (jsonb refuses NUL)."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return all(storable_text(str(k)) and storable_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable_json(item) for item in value)
    return True


def _text(value: str) -> str:
    if not storable_text(value):
        raise ValueError("contains a character that cannot be stored (NUL or a lone surrogate)")
    return value


def _instant(value: datetime) -> datetime:
    if value.tzinfo is not None and not storable_instant(value):
        raise ValueError("out of range")
    return value


def _json(value: dict[str, object]) -> dict[str, object]:
    if not storable_json(value):
        raise ValueError("contains a character that cannot be stored (NUL or a lone surrogate)")
    return value


Text = Annotated[str, AfterValidator(_text)]
Instant = Annotated[datetime, AfterValidator(_instant)]
JsonObject = Annotated[dict[str, object], AfterValidator(_json)]
