"""The production-settings guard: refuse to start, naming every unfit setting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic_settings import BaseSettings


class SettingsError(RuntimeError):
    """The settings cannot be used in this mode; the message names each setting."""


def refuse_unfit(problems: Iterable[str]) -> None:
    """Raise SettingsError listing ``problems`` (each naming its setting); none: return."""
    found = list(problems)
    if found:
        raise SettingsError("refusing to start in production: " + "; ".join(found))


class ServiceSettings(BaseSettings):
    """What every service's settings share: the mode and what follows from it."""

    ENV: Literal["development", "production"] = "development"
    # The service's /docs and /openapi.json; unset: on in development, off in production.
    API_DOCS_ENABLED: bool | None = None

    @property
    def is_production(self) -> bool:
        return self.ENV == "production"

    @property
    def api_docs_enabled(self) -> bool:
        return (not self.is_production) if self.API_DOCS_ENABLED is None else self.API_DOCS_ENABLED
