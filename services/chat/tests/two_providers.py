"""A catalog of two providers (two LLM stubs on their own ports) and four models, for tests."""

from __future__ import annotations

from dataclasses import replace

from parley_chat.catalog import CatalogSnapshot, ModelEntry, ProviderEntry

SMALL_CONTEXT = 4096
SMALL_REPLY = 256


def provider(provider_id: str, base_url: str, **changes: object) -> ProviderEntry:
    entry = ProviderEntry(
        id=provider_id,
        kind="openai",
        base_url=base_url,
        api_key=f"sk-{provider_id}",
        key_source="env",
        timeout_seconds=5.0,
        connect_timeout_seconds=2.0,
        max_retries=0,
        enabled=True,
        source="file",
    )
    return replace(entry, **changes)  # type: ignore[arg-type]


def model(model_id: str, provider_id: str, **changes: object) -> ModelEntry:
    entry = ModelEntry(
        id=model_id,
        provider_id=provider_id,
        upstream=f"{provider_id}-{model_id}",
        display_name=model_id.title(),
        context_tokens=32768,
        max_output_tokens=1024,
        input_price_per_million=0.0,
        output_price_per_million=0.0,
        enabled=True,
        is_default=False,
        groups=frozenset(),
        source="file",
    )
    return replace(entry, **changes)  # type: ignore[arg-type]


def two_providers(alpha_url: str, beta_url: str, *extra: ModelEntry) -> CatalogSnapshot:
    """alpha: "small" (the default, a 4096-token window) and "retired" (disabled); beta:
    "large" and "secret" (staff only)."""
    providers = [provider("alpha", alpha_url), provider("beta", beta_url)]
    models = [
        model(
            "small",
            "alpha",
            context_tokens=SMALL_CONTEXT,
            max_output_tokens=SMALL_REPLY,
            is_default=True,
        ),
        model("large", "beta"),
        model("secret", "beta", groups=frozenset({"staff"})),
        model("retired", "alpha", enabled=False),
        *extra,
    ]
    return CatalogSnapshot(providers={p.id: p for p in providers}, models={m.id: m for m in models})


class SwitchableCatalog:
    """A catalog view whose snapshot a test replaces, as an operator's edit would."""

    def __init__(self, snapshot: CatalogSnapshot) -> None:
        self.current = snapshot
