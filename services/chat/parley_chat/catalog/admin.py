"""What admins may change in the catalog, and how: checks, key handling, write, reload."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import ValidationError

from parley_chat.audit import Caller
from parley_chat.catalog.api import (
    ModelOut,
    ModelUpdate,
    ProviderCreate,
    ProviderOut,
    ProviderUpdate,
)
from parley_chat.catalog.audit import model_audit, provider_audit
from parley_chat.catalog.cipher import KeyCipher
from parley_chat.catalog.file import KeyUnavailable, read_key
from parley_chat.catalog.live import LiveCatalog
from parley_chat.catalog.merge import stored_model_spec
from parley_chat.catalog.specs import ModelSpec, ProviderSpec
from parley_chat.storage.catalog import CatalogQueries, StoredModel, StoredProvider, Written

MANAGED_BY_FILE = "managed_by_file"
# Through the API only variables named like provider keys: not DATABASE_URL, SERVICE_TOKEN...
API_KEY_ENV_SUFFIX = "_API_KEY"


class CatalogRefusal(Exception):
    """A change the catalog refuses; ``status`` and the message make the HTTP answer."""

    status = 422


class EntryNotFound(CatalogRefusal):
    status = 404


class EntryConflict(CatalogRefusal):
    status = 409


def _invalid(exc: ValidationError) -> CatalogRefusal:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return CatalogRefusal(f"{where}: {first['msg']}" if where else first["msg"])


class CatalogAdmin:
    """Reads answer from this replica's snapshot; writes go to the database, whose trigger
    tells every replica, and this one reloads before answering (it reads its own write).

    Every write stores its audit event in the outbox in the same transaction, then calls
    ``audit_written`` (the forwarder sends it to auth's audit log)."""

    def __init__(
        self,
        live: LiveCatalog,
        queries: CatalogQueries,
        cipher: KeyCipher | None,
        key_files_dir: str | None,
        environ: Mapping[str, str] | None = None,
        audit_written: Callable[[], None] = lambda: None,
    ) -> None:
        self.live = live
        self.queries = queries
        self.cipher = cipher
        self.key_files_dir = key_files_dir
        self.environ = os.environ if environ is None else environ
        self.audit_written = audit_written

    # -- providers

    def providers(self) -> list[ProviderOut]:
        return [ProviderOut.of(p) for p in self.live.current.providers.values()]

    def provider(self, provider_id: str) -> ProviderOut:
        entry = self.live.current.providers.get(provider_id)
        if entry is None:
            raise EntryNotFound(f"provider {provider_id!r} not found")
        return ProviderOut.of(entry)

    async def create_provider(self, body: ProviderCreate, caller: Caller) -> ProviderOut:
        self._refuse_read_only(body.id in self.live.base.providers)
        row = StoredProvider(
            **body.model_dump(include=set(ProviderSpec.model_fields)),
            api_key_encrypted=self._encrypted(body),
        )
        self._check_key_reference(row)
        audit = provider_audit(caller, body.model_fields_set)
        if await self.queries.insert_provider(row, audit) == "exists":
            raise EntryConflict(f"provider {body.id!r} exists")
        await self._changed()
        return self.provider(body.id)

    async def update_provider(
        self, provider_id: str, body: ProviderUpdate, caller: Caller
    ) -> ProviderOut:
        self._refuse_read_only(provider_id in self.live.base.providers)
        keys = body.model_fields_set & {"api_key", "api_key_env", "api_key_file"}
        encrypted = self._encrypted(body) if keys else None

        def change(row: StoredProvider) -> StoredProvider:
            values = {**dataclasses.asdict(row), **body.changes()}
            if keys:  # the key source given replaces the one stored (all null: no key)
                values.update(
                    api_key_env=body.api_key_env,
                    api_key_file=body.api_key_file,
                    api_key_encrypted=encrypted,
                )
            try:
                ProviderSpec.model_validate({f: values[f] for f in ProviderSpec.model_fields})
            except ValidationError as exc:
                raise _invalid(exc) from None
            changed = StoredProvider(**values)
            if keys:
                self._check_key_reference(changed)
            return changed

        written = await self.queries.update_provider(provider_id, change, provider_audit(caller))
        self._found(written, "provider", provider_id)
        await self._changed()
        return self.provider(provider_id)

    async def delete_provider(self, provider_id: str, caller: Caller) -> None:
        self._refuse_read_only(provider_id in self.live.base.providers)
        deletion = await self.queries.delete_provider(provider_id, provider_audit(caller))
        if deletion.outcome == "in_use":
            raise EntryConflict(f"provider {provider_id!r} is used by models {deletion.used_by}")
        if deletion.outcome == "not_found":
            raise EntryNotFound(f"provider {provider_id!r} not found")
        await self._changed()

    # -- models

    def models(self) -> list[ModelOut]:
        snapshot = self.live.current
        return [ModelOut.of(m, snapshot) for m in snapshot.models.values()]

    def model(self, model_id: str) -> ModelOut:
        snapshot = self.live.current
        entry = snapshot.models.get(model_id)
        if entry is None:
            raise EntryNotFound(f"model {model_id!r} not found")
        return ModelOut.of(entry, snapshot)

    async def create_model(self, body: ModelSpec, caller: Caller) -> ModelOut:
        self._refuse_read_only(body.id in self.live.base.models)
        row = _stored_model(body)
        audit = model_audit(caller, body.model_fields_set)
        written = await self.queries.insert_model(row, self.live.base.providers.keys(), audit)
        if written == "exists":
            raise EntryConflict(f"model {body.id!r} exists")
        self._found(written, "model", body.id, provider=body.provider)
        await self._changed()
        return self.model(body.id)

    async def update_model(self, model_id: str, body: ModelUpdate, caller: Caller) -> ModelOut:
        self._refuse_read_only(model_id in self.live.base.models)
        changes = body.model_dump(exclude_unset=True)

        def change(row: StoredModel) -> StoredModel:
            current = stored_model_spec(row).model_dump()
            try:
                return _stored_model(ModelSpec.model_validate({**current, **changes}))
            except ValidationError as exc:
                raise _invalid(exc) from None

        providers = self.live.base.providers.keys()
        written = await self.queries.update_model(model_id, change, providers, model_audit(caller))
        self._found(written, "model", model_id, provider=changes.get("provider"))
        await self._changed()
        return self.model(model_id)

    async def delete_model(self, model_id: str, caller: Caller) -> None:
        self._refuse_read_only(model_id in self.live.base.models)
        if not await self.queries.delete_model(model_id, model_audit(caller)):
            raise EntryNotFound(f"model {model_id!r} not found")
        await self._changed()

    async def _changed(self) -> None:
        """After a committed write: its audit event on its way, this replica's catalog read
        again (the others hear the trigger)."""
        self.audit_written()
        await self.live.reload()

    # -- checks

    @staticmethod
    def _refuse_read_only(read_only: bool) -> None:
        if read_only:
            # The catalog file (or the LLM_* shortcut) defines it: change it there.
            raise EntryConflict(MANAGED_BY_FILE)

    @staticmethod
    def _found(written: Written, kind: str, entry_id: str, provider: str | None = None) -> None:
        if written == "not_found":
            raise EntryNotFound(f"{kind} {entry_id!r} not found")
        if written == "no_provider":
            raise CatalogRefusal(f"unknown provider {provider!r}")

    def _encrypted(self, body: ProviderCreate | ProviderUpdate) -> str | None:
        if body.api_key is None:
            return None
        if self.cipher is None:
            raise CatalogRefusal(
                "CATALOG_SECRET_KEY is not set: chat cannot store keys; give api_key_env or "
                "api_key_file instead"
            )
        return self.cipher.encrypt(body.api_key.get_secret_value())

    def _check_key_reference(self, row: StoredProvider) -> None:
        """Only provider-key variables and files in CATALOG_KEY_FILES_DIR, present here."""
        if row.api_key_env is not None and not row.api_key_env.endswith(API_KEY_ENV_SUFFIX):
            raise CatalogRefusal(f"api_key_env must name a variable ending in {API_KEY_ENV_SUFFIX}")
        if row.api_key_file is not None:
            if self.key_files_dir is None:
                raise CatalogRefusal("api_key_file through the API needs CATALOG_KEY_FILES_DIR")
            folder = Path(self.key_files_dir).resolve()
            if not Path(row.api_key_file).resolve().is_relative_to(folder):
                raise CatalogRefusal(f"api_key_file must be in {folder}")
        try:
            read_key(row.api_key_env, row.api_key_file, self.environ)
        except KeyUnavailable as exc:
            raise CatalogRefusal(str(exc)) from None


def _stored_model(spec: ModelSpec) -> StoredModel:
    return StoredModel(
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
        groups=tuple(spec.groups),
    )
