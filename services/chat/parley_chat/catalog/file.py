"""MODELS_FILE: the catalog as YAML, checked whole at start; a bad entry refuses the start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from parley_chat.catalog.specs import ModelSpec, ProviderSpec
from parley_chat.catalog.types import (
    CatalogSnapshot,
    EntrySource,
    KeySource,
    ModelEntry,
    ProviderEntry,
)

SpecT = TypeVar("SpecT", bound=BaseModel)


class CatalogFileError(Exception):
    """The catalog file cannot be used; the message names the file and the entry."""


class KeyUnavailable(Exception):
    """A provider's key names a variable or file that is not there; the message says which."""


def read_key(env: str | None, file: str | None, environ: Mapping[str, str]) -> str | None:
    """The key named by ``env`` or ``file`` (None when neither is given)."""
    if env is not None:
        value = environ.get(env, "").strip()
        if not value:
            raise KeyUnavailable(f"api_key_env {env} is not set in chat's environment")
        return value
    if file is not None:
        try:
            value = Path(file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
            raise KeyUnavailable(f"api_key_file {file} cannot be read ({reason})") from None
        if not value:
            raise KeyUnavailable(f"api_key_file {file} is empty")
        return value
    return None


def key_source_of(env: str | None, file: str | None) -> KeySource:
    return "env" if env is not None else "file" if file is not None else "none"


def provider_entry(
    spec: ProviderSpec, api_key: str | None, source: EntrySource, key_source: KeySource
) -> ProviderEntry:
    return ProviderEntry(
        id=spec.id,
        kind=spec.kind,
        base_url=spec.base_url,
        api_key=api_key,
        key_source=key_source,
        timeout_seconds=spec.timeout_seconds,
        connect_timeout_seconds=spec.connect_timeout_seconds,
        max_retries=spec.max_retries,
        enabled=spec.enabled,
        source=source,
        key_reference=spec.api_key_env or spec.api_key_file,
    )


def model_entry(spec: ModelSpec, source: EntrySource) -> ModelEntry:
    return ModelEntry(
        id=spec.id,
        provider_id=spec.provider,
        upstream=spec.upstream or spec.id,
        display_name=spec.display_name or spec.id,
        context_tokens=spec.context_tokens,
        max_output_tokens=spec.max_output_tokens,
        input_price_per_million=spec.input_price_per_million,
        output_price_per_million=spec.output_price_per_million,
        enabled=spec.enabled,
        is_default=spec.default,
        groups=frozenset(spec.groups),
        source=source,
    )


def _described(section: str, index: int, raw: object) -> str:
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    return f"{section}[{index}]" + (f" (id {entry_id!r})" if entry_id is not None else "")


def _validated(kind: type[SpecT], raw: object, where: str) -> SpecT:
    try:
        return kind.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            (".".join(str(p) for p in e["loc"]) + ": " if e["loc"] else "") + e["msg"]
            for e in exc.errors()
        )
        raise CatalogFileError(f"{where}: {problems}") from None


def _entries(document: dict[str, Any], section: str, where: str) -> list[Any]:
    raw = document.get(section) or []
    if not isinstance(raw, list):
        raise CatalogFileError(f"{where}: {section} must be a list")
    return raw


def parse_catalog(text: str, where: str, environ: Mapping[str, str]) -> CatalogSnapshot:
    """The catalog ``text`` describes (``where`` names it in errors), keys read now."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogFileError(f"{where}: not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise CatalogFileError(f"{where}: expected a mapping with providers: and models:")
    unknown = sorted(str(k) for k in document if k not in ("providers", "models"))
    if unknown:
        raise CatalogFileError(f"{where}: unknown sections {unknown} (providers, models)")
    providers: dict[str, ProviderEntry] = {}
    for index, raw in enumerate(_entries(document, "providers", where)):
        entry = f"{where}: {_described('providers', index, raw)}"
        spec = _validated(ProviderSpec, raw, entry)
        if spec.id in providers:
            raise CatalogFileError(f"{entry}: provider id {spec.id!r} appears twice")
        try:
            key = read_key(spec.api_key_env, spec.api_key_file, environ)
        except KeyUnavailable as exc:
            raise CatalogFileError(f"{entry}: {exc}") from None
        source = key_source_of(spec.api_key_env, spec.api_key_file)
        providers[spec.id] = provider_entry(spec, key, "file", source)
    models: dict[str, ModelEntry] = {}
    for index, raw in enumerate(_entries(document, "models", where)):
        entry = f"{where}: {_described('models', index, raw)}"
        model = _validated(ModelSpec, raw, entry)
        if model.id in models:
            raise CatalogFileError(f"{entry}: model id {model.id!r} appears twice")
        if model.provider not in providers:
            raise CatalogFileError(f"{entry}: provider {model.provider!r} is not in the file")
        models[model.id] = model_entry(model, "file")
    defaults = [m.id for m in models.values() if m.is_default and m.enabled]
    if len(defaults) > 1:
        raise CatalogFileError(f"{where}: several enabled models are the default: {defaults}")
    return CatalogSnapshot(providers=providers, models=models)


def load_catalog_file(path: str, environ: Mapping[str, str] | None = None) -> CatalogSnapshot:
    """Read and check MODELS_FILE; CatalogFileError names what is wrong and where."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
        raise CatalogFileError(f"MODELS_FILE {path} cannot be read ({reason})") from None
    return parse_catalog(text, f"MODELS_FILE {path}", os.environ if environ is None else environ)
