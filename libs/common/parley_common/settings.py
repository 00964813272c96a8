"""The production-settings guard: refuse to start, naming every unfit setting."""

from __future__ import annotations

from collections.abc import Iterable


class SettingsError(RuntimeError):
    """The settings cannot be used in this mode; the message names each setting."""


def refuse_unfit(problems: Iterable[str]) -> None:
    """Raise SettingsError listing ``problems`` (each naming its setting); none: return."""
    found = list(problems)
    if found:
        raise SettingsError("refusing to start in production: " + "; ".join(found))
