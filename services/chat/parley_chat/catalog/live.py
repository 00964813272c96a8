"""The catalog a replica serves: read-only entries plus the stored ones, reloaded on change."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping

import psycopg
import structlog

from parley_chat.catalog.cipher import KeyCipher
from parley_chat.catalog.merge import merge_catalog
from parley_chat.catalog.types import CatalogSnapshot
from parley_chat.storage.catalog import CatalogQueries, StoredCatalog
from parley_chat.storage.schema import CATALOG_CHANNEL

log = structlog.get_logger("parley_chat.catalog")


class LiveCatalog:
    """A CatalogView whose snapshot is replaced whole when the stored entries change.

    A turn reads ``current`` (an attribute, no database round trip). Changes arrive by
    NOTIFY on a dedicated LISTEN connection, and every ``reload_seconds`` as a safety net.
    """

    def __init__(
        self,
        base: CatalogSnapshot,
        queries: CatalogQueries,
        cipher: KeyCipher | None,
        libpq_url: str,
        reload_seconds: float,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.base = base  # the file's or the shortcut's entries: read-only, they win
        self.queries = queries
        self.cipher = cipher
        self.libpq_url = libpq_url
        self.reload_seconds = reload_seconds
        self.environ = os.environ if environ is None else environ
        self.listening = asyncio.Event()
        self._snapshot = merge_catalog(
            base, StoredCatalog([], []), cipher, self.environ, 1
        ).snapshot
        self._reload_lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._problems: list[str] = []
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def current(self) -> CatalogSnapshot:
        return self._snapshot

    async def start(self) -> None:
        """Load the stored entries (a database down at start leaves the read-only ones for
        now) and follow changes."""
        try:
            await self.reload()
        except Exception as exc:
            log.warning("catalog_load_failed", error=type(exc).__name__)
        self._tasks = [
            asyncio.create_task(self._listen()),
            asyncio.create_task(self._follow_changes()),
        ]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                await self.listening.wait()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def reload(self) -> CatalogSnapshot:
        """Read the stored entries now and swap the snapshot if anything changed."""
        # One reload at a time: a later one reads later rows, so snapshots never go back.
        async with self._reload_lock:
            stored = await self.queries.load()
            version = self._snapshot.version + 1
            merged = merge_catalog(self.base, stored, self.cipher, self.environ, version)
            if merged.problems != self._problems:
                for problem in merged.problems:
                    log.error("catalog_entry_unusable", problem=problem)
                self._problems = merged.problems
            fresh = merged.snapshot
            if (fresh.providers, fresh.models) != (self._snapshot.providers, self._snapshot.models):
                self._snapshot = fresh
                log.info("catalog_reloaded", version=fresh.version, models=len(fresh.models))
            return self._snapshot

    async def _follow_changes(self) -> None:
        """Reload when told (notifications in a burst make one reload) or every period."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.reload_seconds):
                    await self._changed.wait()
            self._changed.clear()
            try:
                await self.reload()
            except Exception as exc:
                log.warning("catalog_reload_failed", error=type(exc).__name__)

    async def _listen(self) -> None:
        backoff = 0.5
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.libpq_url, autocommit=True, connect_timeout=5
                )
                async with conn:
                    await conn.execute(f"LISTEN {CATALOG_CHANNEL}")
                    self.listening.set()
                    # Changes made while not listening were not heard: reload once now.
                    self._changed.set()
                    backoff = 0.5
                    async for _notify in conn.notifies():
                        self._changed.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.listening.clear()
                log.warning("catalog_listener_failed", error=type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
