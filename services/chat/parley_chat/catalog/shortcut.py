"""The one-model shortcut: LLM_BASE_URL, LLM_API_KEY and LLM_MODEL as a catalog."""

from __future__ import annotations

from parley_chat.catalog.types import CatalogSnapshot, ModelEntry, ProviderEntry
from parley_chat.config import Settings

SHORTCUT_PROVIDER_ID = "default"


def snapshot_from_settings(settings: Settings) -> CatalogSnapshot:
    """One provider ("default") and one default model named LLM_MODEL."""
    provider = ProviderEntry(
        id=SHORTCUT_PROVIDER_ID,
        kind="openai",
        base_url=settings.LLM_BASE_URL,
        api_key=settings.LLM_API_KEY or None,
        key_source="env" if settings.LLM_API_KEY else "none",
        timeout_seconds=settings.LLM_TIMEOUT_SECONDS,
        connect_timeout_seconds=10.0,
        max_retries=settings.LLM_MAX_RETRIES,
        enabled=True,
        source="settings",
    )
    model = ModelEntry(
        id=settings.LLM_MODEL,
        provider_id=provider.id,
        upstream=settings.LLM_MODEL,
        display_name=settings.LLM_MODEL,
        context_tokens=settings.LLM_CONTEXT_TOKENS,
        max_output_tokens=settings.LLM_MAX_TOKENS,
        input_price_per_million=0.0,
        output_price_per_million=0.0,
        enabled=True,
        is_default=True,
        groups=frozenset(),
        source="settings",
    )
    return CatalogSnapshot(providers={provider.id: provider}, models={model.id: model})
