"""The rules every catalog entry follows, whether it comes from the file or the admin API."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)


def storable(value: str) -> str:
    """Text PostgreSQL and the file system take: no NUL, no lone surrogates (JSON and YAML
    allow both; either would fail later, as a 500 instead of a 422)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Storable = AfterValidator(storable)
ENTRY_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"

EntryId = Annotated[str, StringConstraints(pattern=ENTRY_ID_PATTERN)]
ProviderKind = Literal[
    "openai", "azure", "ollama", "vllm", "llamacpp", "litellm", "openrouter", "other"
]
BaseUrl = Annotated[
    str, StringConstraints(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=2000), Storable
]
# A variable name as shells write them; the value is read from chat's environment.
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
FilePath = Annotated[str, StringConstraints(pattern=r"^/", max_length=1000), Storable]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Storable
]
Seconds = Annotated[float, Field(gt=0, le=3600)]
Tokens = Annotated[int, Field(ge=1, le=100_000_000)]
Price = Annotated[float, Field(ge=0, le=1_000_000)]
# Auth's group ids (immutable slugs), as tokens and the account-changes feed name them.
GROUP_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_GROUP_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def group_id(value: str) -> str:
    """A group's id as auth defines it (the message does not repeat the value: it may be
    huge or not even encodable)."""
    if not _GROUP_ID.fullmatch(value):
        raise ValueError(
            "groups are group ids: 1 to 64 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return value


# The pattern in the OpenAPI schema; the validator's message in a 422.
GroupName = Annotated[
    str, Field(json_schema_extra={"pattern": GROUP_ID_PATTERN}), AfterValidator(group_id)
]


class ProviderSpec(BaseModel):
    """A provider as written in the catalog file (the API's bodies add ``api_key``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: EntryId
    kind: ProviderKind = "openai"
    base_url: BaseUrl
    api_key_env: EnvName | None = None
    api_key_file: FilePath | None = None
    timeout_seconds: Seconds = 60.0
    connect_timeout_seconds: Seconds = 10.0
    max_retries: Annotated[int, Field(ge=0, le=5)] = 1
    enabled: bool = True

    @model_validator(mode="after")
    def _one_key_source(self) -> Self:
        if self.api_key_env is not None and self.api_key_file is not None:
            raise ValueError("give api_key_env or api_key_file, not both")
        return self


class ModelSpec(BaseModel):
    """A model as written in the catalog file and taken by the admin API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: EntryId
    provider: EntryId
    upstream: Text | None = None  # the provider's name for it; default: id
    display_name: Text | None = None  # default: id
    context_tokens: Tokens
    max_output_tokens: Tokens
    input_price_per_million: Price = 0.0
    output_price_per_million: Price = 0.0
    enabled: bool = True
    default: bool = False
    groups: Annotated[list[GroupName], Field(max_length=100)] = []

    @model_validator(mode="after")
    def _reply_fits(self) -> Self:
        # The window holds the system prompt and history besides the reply.
        if self.max_output_tokens >= self.context_tokens:
            raise ValueError("max_output_tokens must be less than context_tokens")
        return self
