"""The catalog entries managed through the admin API: read them all, write one at a time."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from parley_chat.storage.audit import Audited, OutboxQueries
from parley_chat.storage.schema import CATALOG_MODELS, CATALOG_PROVIDERS, checked_schema


@dataclass(frozen=True)
class StoredProvider:
    """A provider row; ``api_key_encrypted`` is a Fernet token, never the key in clear."""

    id: str
    kind: str
    base_url: str
    api_key_env: str | None
    api_key_file: str | None
    api_key_encrypted: str | None
    timeout_seconds: float
    connect_timeout_seconds: float
    max_retries: int
    enabled: bool


@dataclass(frozen=True)
class StoredModel:
    id: str
    provider_id: str
    upstream: str
    display_name: str
    context_tokens: int
    max_output_tokens: int
    input_price_per_million: float
    output_price_per_million: float
    enabled: bool
    is_default: bool
    groups: tuple[str, ...]


@dataclass(frozen=True)
class StoredCatalog:
    """Every stored entry, oldest first (the catalog's order after the file's entries)."""

    providers: list[StoredProvider]
    models: list[StoredModel]


@dataclass(frozen=True)
class ProviderDeletion:
    outcome: Literal["deleted", "not_found", "in_use"]
    used_by: list[str]  # model ids that use the provider (at most ten), when in use


class _NoProvider(Exception):
    pass


Written = Literal["done", "exists", "not_found", "no_provider"]

_PROVIDER_COLUMNS = ", ".join(StoredProvider.__dataclass_fields__)
_MODEL_COLUMNS = ", ".join(StoredModel.__dataclass_fields__)


class CatalogQueries:
    """Our SQL on the catalog tables; each write commits once, with its audit event in the
    outbox, and fires the change trigger."""

    def __init__(self, engine: AsyncEngine, schema: str, outbox: OutboxQueries) -> None:
        self.engine = engine
        self.outbox = outbox
        schema = checked_schema(schema)
        p, m = f"{schema}.{CATALOG_PROVIDERS}", f"{schema}.{CATALOG_MODELS}"
        order = "ORDER BY created_at, id"
        self._providers = text(f"SELECT {_PROVIDER_COLUMNS} FROM {p} {order}")  # noqa: S608
        self._models = text(f"SELECT {_MODEL_COLUMNS} FROM {m} {order}")  # noqa: S608
        p_values = ", ".join(f":{c}" for c in StoredProvider.__dataclass_fields__)
        m_values = ", ".join(f":{c}" for c in StoredModel.__dataclass_fields__)
        self._insert_provider = text(
            f"INSERT INTO {p} ({_PROVIDER_COLUMNS}) VALUES ({p_values}) "  # noqa: S608
            "ON CONFLICT (id) DO NOTHING RETURNING id"
        )
        self._insert_model = text(
            f"INSERT INTO {m} ({_MODEL_COLUMNS}) VALUES ({m_values}) "  # noqa: S608
            "ON CONFLICT (id) DO NOTHING RETURNING id"
        )
        p_set = ", ".join(f"{c} = :{c}" for c in StoredProvider.__dataclass_fields__)
        m_set = ", ".join(f"{c} = :{c}" for c in StoredModel.__dataclass_fields__)
        self._update_provider = text(
            f"UPDATE {p} SET {p_set}, updated_at = clock_timestamp() WHERE id = :id"  # noqa: S608
        )
        self._update_model = text(
            f"UPDATE {m} SET {m_set}, updated_at = clock_timestamp() WHERE id = :id"  # noqa: S608
        )
        # Row locks order the provider checks against concurrent writes: a model written
        # for a provider holds its key share until commit, so a deletion waits and then sees
        # the model (and a deletion that went first leaves nothing to share).
        self._lock_provider = text(f"SELECT id FROM {p} WHERE id = :id FOR KEY SHARE")  # noqa: S608
        self._provider_for_update = text(
            f"SELECT {_PROVIDER_COLUMNS} FROM {p} WHERE id = :id FOR UPDATE"  # noqa: S608
        )
        self._model_for_update = text(
            f"SELECT {_MODEL_COLUMNS} FROM {m} WHERE id = :id FOR UPDATE"  # noqa: S608
        )
        self._users_of_provider = text(
            f"SELECT id FROM {m} WHERE provider_id = :id ORDER BY id LIMIT 10"  # noqa: S608
        )
        self._delete_provider = text(f"DELETE FROM {p} WHERE id = :id")  # noqa: S608
        self._delete_model = text(
            f"DELETE FROM {m} WHERE id = :id RETURNING {_MODEL_COLUMNS}"  # noqa: S608
        )
        # One default among stored models: marking one unmarks the others.
        self._unmark_defaults = text(
            f"UPDATE {m} SET is_default = false WHERE is_default AND id <> :id"  # noqa: S608
        )

    async def load(self) -> StoredCatalog:
        async with self.engine.connect() as conn:
            providers = (await conn.execute(self._providers)).fetchall()
            models = (await conn.execute(self._models)).fetchall()
        return StoredCatalog(
            providers=[StoredProvider(**r._asdict()) for r in providers],
            models=[_stored_model(r._asdict()) for r in models],
        )

    async def insert_provider(
        self, provider: StoredProvider, audit: Audited[StoredProvider]
    ) -> Written:
        async with self.engine.begin() as conn:
            inserted = (await conn.execute(self._insert_provider, asdict(provider))).first()
            if not inserted:
                return "exists"
            await self.outbox.add(conn, audit(None, provider))
        return "done"

    async def update_provider(
        self,
        provider_id: str,
        change: Callable[[StoredProvider], StoredProvider],
        audit: Audited[StoredProvider],
    ) -> Written:
        """Apply ``change`` to the locked row (an exception from it writes nothing)."""
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._provider_for_update, {"id": provider_id})).first()
            if row is None:
                return "not_found"
            before = StoredProvider(**row._asdict())
            changed = change(before)
            await conn.execute(self._update_provider, asdict(changed))
            await self.outbox.add(conn, audit(before, changed))
        return "done"

    async def delete_provider(
        self, provider_id: str, audit: Audited[StoredProvider]
    ) -> ProviderDeletion:
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._provider_for_update, {"id": provider_id})).first()
            if row is None:
                return ProviderDeletion("not_found", [])
            users = (await conn.execute(self._users_of_provider, {"id": provider_id})).scalars()
            used_by = [str(u) for u in users]
            if used_by:
                return ProviderDeletion("in_use", used_by)
            await conn.execute(self._delete_provider, {"id": provider_id})
            await self.outbox.add(conn, audit(StoredProvider(**row._asdict()), None))
        return ProviderDeletion("deleted", [])

    async def insert_model(
        self, model: StoredModel, file_providers: Collection[str], audit: Audited[StoredModel]
    ) -> Written:
        """Store ``model`` if its provider exists (in ``file_providers`` or stored)."""
        async with self.engine.begin() as conn:
            if not await self._provider_exists(conn, model.provider_id, file_providers):
                return "no_provider"
            if (await conn.execute(self._insert_model, _model_params(model))).first() is None:
                return "exists"
            if model.is_default:
                await conn.execute(self._unmark_defaults, {"id": model.id})
            await self.outbox.add(conn, audit(None, model))
        return "done"

    async def update_model(
        self,
        model_id: str,
        change: Callable[[StoredModel], StoredModel],
        file_providers: Collection[str],
        audit: Audited[StoredModel],
    ) -> Written:
        """Apply ``change`` to the locked row (an exception from it writes nothing)."""
        try:
            async with self.engine.begin() as conn:
                row = (await conn.execute(self._model_for_update, {"id": model_id})).first()
                if row is None:
                    return "not_found"
                before = _stored_model(row._asdict())
                changed = change(before)
                if not await self._provider_exists(conn, changed.provider_id, file_providers):
                    raise _NoProvider  # rolls the transaction back
                await conn.execute(self._update_model, _model_params(changed))
                if changed.is_default:
                    await conn.execute(self._unmark_defaults, {"id": changed.id})
                await self.outbox.add(conn, audit(before, changed))
        except _NoProvider:
            return "no_provider"
        return "done"

    async def delete_model(self, model_id: str, audit: Audited[StoredModel]) -> bool:
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._delete_model, {"id": model_id})).first()
            if row is None:
                return False
            await self.outbox.add(conn, audit(_stored_model(row._asdict()), None))
        return True

    async def _provider_exists(
        self, conn: AsyncConnection, provider_id: str, file_providers: Collection[str]
    ) -> bool:
        if provider_id in file_providers:
            return True
        return (await conn.execute(self._lock_provider, {"id": provider_id})).first() is not None


def _stored_model(row: dict[str, Any]) -> StoredModel:
    return StoredModel(**{**row, "groups": tuple(row["groups"])})


def _model_params(model: StoredModel) -> dict[str, object]:
    return {**asdict(model), "groups": list(model.groups)}
