"""Request and response bodies of the models and admin catalog routes; keys never go out."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator

from parley_chat.catalog.specs import (
    BaseUrl,
    EntryId,
    EnvName,
    FilePath,
    GroupName,
    Price,
    ProviderKind,
    ProviderSpec,
    Seconds,
    Text,
    Tokens,
    storable,
)
from parley_chat.catalog.types import (
    CatalogSnapshot,
    EntrySource,
    KeySource,
    ModelEntry,
    ProviderEntry,
)


def _storable_key(value: SecretStr) -> SecretStr:
    storable(value.get_secret_value())
    return value


ApiKey = Annotated[SecretStr, Field(min_length=1, max_length=4096), AfterValidator(_storable_key)]
KEY_FIELDS = ("api_key", "api_key_env", "api_key_file")


def _one_key(body: BaseModel) -> None:
    given = [f for f in KEY_FIELDS if getattr(body, f) is not None]
    if len(given) > 1:
        raise ValueError(f"give at most one of {', '.join(KEY_FIELDS)}")


def _no_nulls(body: BaseModel, nullable: tuple[str, ...]) -> None:
    for name in body.model_fields_set:
        if getattr(body, name) is None and name not in nullable:
            raise ValueError(f"{name} cannot be null")


class ProviderCreate(ProviderSpec):
    """A provider for the admin API; ``api_key`` is stored encrypted, never returned."""

    api_key: ApiKey | None = None

    @model_validator(mode="after")
    def _one_key_source(self) -> Self:
        _one_key(self)
        return self


class ProviderUpdate(BaseModel):
    """The fields to change; one of the key fields replaces the key source (all null: none)."""

    model_config = ConfigDict(extra="forbid")

    kind: ProviderKind | None = None
    base_url: BaseUrl | None = None
    api_key: ApiKey | None = None
    api_key_env: EnvName | None = None
    api_key_file: FilePath | None = None
    timeout_seconds: Seconds | None = None
    connect_timeout_seconds: Seconds | None = None
    max_retries: Annotated[int, Field(ge=0, le=5)] | None = None
    enabled: bool | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _no_nulls(self, KEY_FIELDS)
        _one_key(self)
        return self

    def changes(self) -> dict[str, Any]:
        """The fields given, keys excluded (they are encrypted or checked first)."""
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if k not in KEY_FIELDS}


class ModelUpdate(BaseModel):
    """The fields to change (``upstream`` or ``display_name`` null: back to the id)."""

    model_config = ConfigDict(extra="forbid")

    provider: EntryId | None = None
    upstream: Text | None = None
    display_name: Text | None = None
    context_tokens: Tokens | None = None
    max_output_tokens: Tokens | None = None
    input_price_per_million: Price | None = None
    output_price_per_million: Price | None = None
    enabled: bool | None = None
    default: bool | None = None
    groups: Annotated[list[GroupName], Field(max_length=100)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _no_nulls(self, ("upstream", "display_name"))
        return self


class ProviderOut(BaseModel):
    id: str
    kind: str
    base_url: str
    key_source: KeySource
    api_key_set: bool  # this replica has the key (its variable, file or stored key)
    api_key_env: str | None
    api_key_file: str | None
    timeout_seconds: float
    connect_timeout_seconds: float
    max_retries: int
    enabled: bool
    source: EntrySource

    @classmethod
    def of(cls, entry: ProviderEntry) -> ProviderOut:
        return cls(
            id=entry.id,
            kind=entry.kind,
            base_url=entry.base_url,
            key_source=entry.key_source,
            api_key_set=entry.api_key is not None,
            api_key_env=entry.key_reference if entry.key_source == "env" else None,
            api_key_file=entry.key_reference if entry.key_source == "file" else None,
            timeout_seconds=entry.timeout_seconds,
            connect_timeout_seconds=entry.connect_timeout_seconds,
            max_retries=entry.max_retries,
            enabled=entry.enabled,
            source=entry.source,
        )


class ProviderList(BaseModel):
    items: list[ProviderOut]


class ModelOut(BaseModel):
    id: str
    provider: str
    upstream: str
    display_name: str
    context_tokens: int
    max_output_tokens: int
    input_price_per_million: float
    output_price_per_million: float
    enabled: bool
    default: bool  # the catalog's default now (one model at most)
    usable: bool  # enabled, with its provider present and enabled
    groups: list[str]
    source: EntrySource

    @classmethod
    def of(cls, entry: ModelEntry, snapshot: CatalogSnapshot) -> ModelOut:
        return cls(
            id=entry.id,
            provider=entry.provider_id,
            upstream=entry.upstream,
            display_name=entry.display_name,
            context_tokens=entry.context_tokens,
            max_output_tokens=entry.max_output_tokens,
            input_price_per_million=entry.input_price_per_million,
            output_price_per_million=entry.output_price_per_million,
            enabled=entry.enabled,
            default=entry.is_default,
            usable=snapshot.usable(entry),
            groups=sorted(entry.groups),
            source=entry.source,
        )


class ModelList(BaseModel):
    items: list[ModelOut]


class AvailableModel(BaseModel):
    """A model as every user sees it in the picker."""

    id: str
    display_name: str
    context_tokens: int
    max_output_tokens: int
    default: bool


class AvailableModels(BaseModel):
    items: list[AvailableModel]
    default_model: str | None  # what a turn without a model uses (None: no model at all)
