"""One snapshot from the read-only entries (file or shortcut) and the stored ones."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from pydantic import ValidationError

from parley_chat.catalog.cipher import KeyCipher
from parley_chat.catalog.file import (
    KeyUnavailable,
    key_source_of,
    model_entry,
    provider_entry,
    read_key,
)
from parley_chat.catalog.specs import ModelSpec, ProviderSpec
from parley_chat.catalog.types import CatalogSnapshot, EntrySource, ModelEntry, ProviderEntry
from parley_chat.storage.catalog import StoredCatalog, StoredModel, StoredProvider

# Whose "default: true" counts when several are marked: the file's (the operator's config in
# git), then the admin API's, then the LLM_MODEL of the shortcut (nobody chose it as such).
_DEFAULT_PRECEDENCE: tuple[EntrySource, ...] = ("file", "api", "settings")


@dataclass(frozen=True)
class MergedCatalog:
    snapshot: CatalogSnapshot
    problems: list[str]  # stored entries skipped or without their key, said for the logs


class ResolvedProvider(NamedTuple):
    entry: ProviderEntry
    key_problem: str | None  # why its key is missing (None: it has the key it names)


def stored_provider_entry(
    row: StoredProvider, cipher: KeyCipher | None, environ: Mapping[str, str]
) -> ResolvedProvider:
    """The entry of a stored row, its key read now (ValidationError: a bad row)."""
    spec = ProviderSpec.model_validate({f: getattr(row, f) for f in ProviderSpec.model_fields})
    if row.api_key_encrypted is not None:
        key = cipher.decrypt(row.api_key_encrypted) if cipher else None
        problem = None if key else "its stored key cannot be decrypted with CATALOG_SECRET_KEY"
        return ResolvedProvider(provider_entry(spec, key, "api", "stored"), problem)
    source = key_source_of(spec.api_key_env, spec.api_key_file)
    try:
        key = read_key(spec.api_key_env, spec.api_key_file, environ)
    except KeyUnavailable as exc:
        return ResolvedProvider(provider_entry(spec, None, "api", source), str(exc))
    return ResolvedProvider(provider_entry(spec, key, "api", source), None)


def stored_model_spec(row: StoredModel) -> ModelSpec:
    return ModelSpec(
        id=row.id,
        provider=row.provider_id,
        upstream=row.upstream,
        display_name=row.display_name,
        context_tokens=row.context_tokens,
        max_output_tokens=row.max_output_tokens,
        input_price_per_million=row.input_price_per_million,
        output_price_per_million=row.output_price_per_million,
        enabled=row.enabled,
        default=row.is_default,
        groups=list(row.groups),
    )


def merge_catalog(
    base: CatalogSnapshot,
    stored: StoredCatalog,
    cipher: KeyCipher | None,
    environ: Mapping[str, str],
    version: int,
) -> MergedCatalog:
    """``base`` first and winning on id clashes, then the stored entries; one default."""
    problems: list[str] = []
    providers = dict(base.providers)
    for row in stored.providers:
        if row.id in base.providers:
            continue  # the file (or shortcut) wins; the row stays for when the file drops it
        try:
            resolved = stored_provider_entry(row, cipher, environ)
        except ValidationError as exc:
            problems.append(f"provider {row.id!r} skipped: {exc.errors()[0]['msg']}")
            continue
        if resolved.key_problem:
            problems.append(f"provider {row.id!r}: {resolved.key_problem}")
        providers[row.id] = resolved.entry
    models = dict(base.models)
    for model_row in stored.models:
        if model_row.id in base.models:
            continue
        try:
            models[model_row.id] = model_entry(stored_model_spec(model_row), "api")
        except ValidationError as exc:
            problems.append(f"model {model_row.id!r} skipped: {exc.errors()[0]['msg']}")
            continue
        if model_row.provider_id not in providers:
            problems.append(f"model {model_row.id!r}: provider {model_row.provider_id!r} is gone")
    snapshot = CatalogSnapshot(providers, with_one_default(providers, models), version)
    return MergedCatalog(snapshot, problems)


def with_one_default(
    providers: Mapping[str, ProviderEntry], models: Mapping[str, ModelEntry]
) -> dict[str, ModelEntry]:
    """``models`` with exactly one usable default (none when no model is usable)."""
    probe = CatalogSnapshot(providers, models)
    usable = [m for m in models.values() if probe.usable(m)]
    marked = [m for m in usable if m.is_default]
    ranked = sorted(marked, key=lambda m: _DEFAULT_PRECEDENCE.index(m.source))
    chosen = ranked[0] if ranked else usable[0] if usable else None
    chosen_id = chosen.id if chosen else None
    return {
        model_id: (
            model
            if model.is_default == (model_id == chosen_id)
            else dataclasses.replace(model, is_default=model_id == chosen_id)
        )
        for model_id, model in models.items()
    }
