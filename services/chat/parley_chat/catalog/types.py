"""What the catalog holds: immutable snapshots that a turn reads without a database round trip."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

# Where a provider's API key comes from; the key itself is never returned by any API.
KeySource = Literal["none", "env", "file", "stored"]
# Where an entry was defined: the catalog file and the LLM_* shortcut win over the API.
EntrySource = Literal["file", "settings", "api"]


@dataclass(frozen=True)
class ProviderEntry:
    """An OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp, ...)."""

    id: str
    kind: str  # informative: "openai", "azure", "ollama", "vllm", "llamacpp", "litellm", ...
    base_url: str
    api_key: str | None = field(repr=False)  # resolved at load time; never serialised
    key_source: KeySource
    timeout_seconds: float
    connect_timeout_seconds: float
    max_retries: int
    enabled: bool
    source: EntrySource
    # The variable name or file path the key is read from (never the key): shown to admins.
    key_reference: str | None = None


@dataclass(frozen=True)
class ModelEntry:
    """A model users can pick: the upstream name at its provider and what it costs."""

    id: str  # the catalog id users and the API see (e.g. "gpt-4o-mini", "local-llama")
    provider_id: str
    upstream: str  # the model name sent to the provider
    display_name: str
    context_tokens: int
    max_output_tokens: int
    input_price_per_million: float  # in the operator's currency, for usage budgets
    output_price_per_million: float
    enabled: bool
    is_default: bool
    groups: frozenset[str]  # empty: everyone may use it
    source: EntrySource

    def allows(self, groups: Collection[str]) -> bool:
        return not self.groups or not self.groups.isdisjoint(groups)


class ModelNotAllowed(Exception):
    """Unknown, disabled or forbidden model; the message is safe to show (a 422 detail)."""


@dataclass(frozen=True)
class CatalogSnapshot:
    """One consistent version of the catalog; replaced whole when anything changes."""

    providers: Mapping[str, ProviderEntry]
    models: Mapping[str, ModelEntry]
    version: int = 0

    @property
    def default_model(self) -> ModelEntry | None:
        for model in self.models.values():
            if model.is_default and self.usable(model):
                return model
        return None

    def usable(self, model: ModelEntry) -> bool:
        provider = self.providers.get(model.provider_id)
        return model.enabled and provider is not None and provider.enabled

    def available_to(self, groups: Collection[str]) -> list[ModelEntry]:
        """The models a user with ``groups`` may pick, in catalog order."""
        return [m for m in self.models.values() if self.usable(m) and m.allows(groups)]

    def resolve(self, model_id: str | None, groups: Collection[str]) -> ModelEntry:
        """The model to use for ``model_id`` (None: the default); raises ModelNotAllowed."""
        if model_id is None:
            default = self.default_model
            if default is None or not default.allows(groups):
                usable = self.available_to(groups)
                if not usable:
                    raise ModelNotAllowed("no model is available to you")
                return usable[0]
            return default
        model = self.models.get(model_id)
        if model is None:
            raise ModelNotAllowed(f"unknown model {model_id!r}")
        if not self.usable(model):
            raise ModelNotAllowed(f"model {model_id!r} is disabled")
        if not model.allows(groups):
            raise ModelNotAllowed(f"model {model_id!r} is not available to you")
        return model


class CatalogView(Protocol):
    """What the request path reads: the current snapshot, swapped atomically on change."""

    @property
    def current(self) -> CatalogSnapshot: ...


class StaticCatalog:
    """A catalog that never changes (tests, and the LLM_* shortcut without a database)."""

    def __init__(self, snapshot: CatalogSnapshot) -> None:
        self._snapshot = snapshot

    @property
    def current(self) -> CatalogSnapshot:
        return self._snapshot
