"""The API shapes of keys."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field, field_validator


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    expires_at: AwareDatetime | None = None  # in the future, at most two years ahead

    @field_validator("name")
    @classmethod
    def _named(cls, name: str) -> str:
        name = name.strip()
        if not name or not name.isprintable():
            raise ValueError("a name of printable characters is required")
        return name


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str  # "pk-parley-" and the key's next 8 characters
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None  # to the minute, written shortly after a use
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str  # the whole key, shown this once: only its hash is kept


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]


class AdminApiKeyOut(ApiKeyOut):
    user_id: str


class AdminApiKeyList(BaseModel):
    items: list[AdminApiKeyOut]
    next_cursor: str | None


class CurrentKey(BaseModel):
    """The key a request was made with."""

    id: str
    name: str
    prefix: str
    user_id: str
