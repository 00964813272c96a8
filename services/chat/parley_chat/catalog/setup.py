"""Building a replica's catalog from the settings: the read-only entries, then the live one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from parley_chat.catalog.admin import CatalogAdmin
from parley_chat.catalog.cipher import KeyCipher
from parley_chat.catalog.file import CatalogFileError, load_catalog_file
from parley_chat.catalog.live import LiveCatalog
from parley_chat.catalog.shortcut import snapshot_from_settings
from parley_chat.catalog.types import CatalogSnapshot
from parley_chat.config import Settings
from parley_chat.storage.audit import OutboxQueries
from parley_chat.storage.catalog import CatalogQueries

log = structlog.get_logger("parley_chat.catalog")


@dataclass(frozen=True)
class CatalogParts:
    live: LiveCatalog  # what turns and GET /api/models read
    admin: CatalogAdmin  # what the admin routes call


def read_only_catalog(settings: Settings) -> CatalogSnapshot:
    """MODELS_FILE's entries, else the LLM_* shortcut's; a bad file is logged and raised
    (CatalogFileError, naming the entry), so the replica does not start."""
    if not settings.MODELS_FILE:
        return snapshot_from_settings(settings)
    try:
        return load_catalog_file(settings.MODELS_FILE)
    except CatalogFileError as exc:
        log.error("catalog_file_invalid", problem=str(exc))
        raise


def build_catalog(
    settings: Settings,
    engine: AsyncEngine,
    read_only: CatalogSnapshot,
    outbox: OutboxQueries,
    audit_written: Callable[[], None],
) -> CatalogParts:
    """The live catalog over ``read_only`` and the stored entries, and its admin side, whose
    writes put their audit events in ``outbox`` (then call ``audit_written``)."""
    secret = settings.CATALOG_SECRET_KEY
    cipher = KeyCipher(secret.get_secret_value()) if secret else None
    queries = CatalogQueries(engine, settings.DB_SCHEMA, outbox)
    live = LiveCatalog(
        read_only,
        queries,
        cipher,
        settings.libpq_url,
        settings.CATALOG_RELOAD_SECONDS,
    )
    admin = CatalogAdmin(
        live, queries, cipher, settings.CATALOG_KEY_FILES_DIR, audit_written=audit_written
    )
    return CatalogParts(live, admin)
