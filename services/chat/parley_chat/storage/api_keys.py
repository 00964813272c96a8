"""API keys: create (at most a limit per user), list, revoke, find by hash, note their use."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley_chat.storage.audit import AuditEntry, OutboxQueries
from parley_chat.storage.schema import API_KEYS, checked_schema


@dataclass(frozen=True)
class StoredKey:
    """A key as listed: everything but its hash."""

    id: str
    user_id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None


@dataclass(frozen=True)
class NewKey:
    id: str
    user_id: str
    name: str
    prefix: str
    secret_hash: str
    expires_at: datetime | None


class KeyCreation(NamedTuple):
    key: StoredKey | None  # None: the owner already has ``limit`` unrevoked keys
    unrevoked: int  # the owner's unrevoked keys before this one


class FoundKey(NamedTuple):
    """What a request's check needs of the key its hash names."""

    id: str
    user_id: str
    expires_at: datetime | None
    revoked_at: datetime | None


class Revocation(NamedTuple):
    found: bool  # the key exists (and is the owner's, when an owner was given)
    revoked: StoredKey | None  # revoked by this call (None: it already was, or not found)


class KeyCursor(NamedTuple):
    """Where a page of the admin list ends: the last key's creation time and id."""

    created_at: datetime
    key_id: str


# How a write describes itself (called inside the write's transaction).
KeyAudit = Callable[[StoredKey], AuditEntry]

_COLUMNS = ", ".join(StoredKey.__dataclass_fields__).replace("id,", "id::text AS id,", 1)


def _stored(row: Any) -> StoredKey:
    return StoredKey(**row._asdict())


class ApiKeyQueries:
    """Our SQL on ``parley_api_keys``; each write commits once, with its audit event."""

    def __init__(self, engine: AsyncEngine, schema: str, outbox: OutboxQueries) -> None:
        self.engine = engine
        self.outbox = outbox
        table = f"{checked_schema(schema)}.{API_KEYS}"
        # One writer per user at a time (a transaction-scoped lock): two creations racing
        # cannot both pass the limit.
        self._lock = text("SELECT pg_advisory_xact_lock(hashtext(:table), hashtext(:uid))")
        self._table = table
        self._count = text(
            f"SELECT count(*) FROM {table} WHERE user_id = :uid AND revoked_at IS NULL"  # noqa: S608
        )
        self._insert = text(
            f"INSERT INTO {table} (id, user_id, name, prefix, secret_hash, expires_at) "  # noqa: S608
            "VALUES (CAST(:id AS uuid), :user_id, :name, :prefix, :secret_hash, :expires_at) "
            f"RETURNING {_COLUMNS}"
        )
        self._own = text(
            f"SELECT {_COLUMNS} FROM {table} WHERE user_id = :uid "  # noqa: S608
            "AND (revoked_at IS NULL OR revoked_at > :revoked_since) "
            "ORDER BY created_at DESC, id DESC"
        )
        self._page = text(
            f"SELECT {_COLUMNS} FROM {table} "  # noqa: S608
            "WHERE (CAST(:uid AS varchar) IS NULL OR user_id = :uid) "
            "AND (CAST(:after_at AS timestamptz) IS NULL "
            "OR (created_at, id) < (:after_at, CAST(:after_id AS uuid))) "
            "ORDER BY created_at DESC, id DESC LIMIT :limit"
        )
        owner = "(CAST(:owner AS varchar) IS NULL OR user_id = :owner)"
        self._revoke = text(
            f"UPDATE {table} SET revoked_at = now(), revoked_by = :by "  # noqa: S608
            f"WHERE id = CAST(:id AS uuid) AND {owner} AND revoked_at IS NULL "
            f"RETURNING {_COLUMNS}"
        )
        self._exists = text(
            f"SELECT 1 FROM {table} WHERE id = CAST(:id AS uuid) AND {owner}"  # noqa: S608
        )
        self._get = text(f"SELECT {_COLUMNS} FROM {table} WHERE id = CAST(:id AS uuid)")  # noqa: S608
        self._find = text(
            f"SELECT id::text AS id, user_id, expires_at, revoked_at FROM {table} "  # noqa: S608
            "WHERE secret_hash = :hash"
        )
        # Only ever later: two replicas flushing the same key's use in any order keep the newest.
        self._touch = text(
            f"UPDATE {table} AS k SET last_used_at = u.at FROM "  # noqa: S608
            "jsonb_to_recordset(CAST(:uses AS jsonb)) AS u(id uuid, at timestamptz) "
            "WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)"
        )

    async def create(self, new: NewKey, limit: int, audit: KeyAudit) -> KeyCreation:
        """Store ``new`` unless its owner has ``limit`` unrevoked keys."""
        async with self.engine.begin() as conn:
            await conn.execute(self._lock, {"table": self._table, "uid": new.user_id})
            unrevoked = int((await conn.execute(self._count, {"uid": new.user_id})).scalar_one())
            if unrevoked >= limit:
                return KeyCreation(None, unrevoked)
            params = {
                "id": new.id,
                "user_id": new.user_id,
                "name": new.name,
                "prefix": new.prefix,
                "secret_hash": new.secret_hash,
                "expires_at": new.expires_at,
            }
            key = _stored((await conn.execute(self._insert, params)).one())
            await self.outbox.add(conn, audit(key))
        return KeyCreation(key, unrevoked)

    async def list_own(self, user_id: str, revoked_since: datetime) -> list[StoredKey]:
        """The user's keys, newest first; revoked ones only if revoked after ``revoked_since``."""
        async with self.engine.connect() as conn:
            params = {"uid": user_id, "revoked_since": revoked_since}
            rows = (await conn.execute(self._own, params)).fetchall()
        return [_stored(r) for r in rows]

    async def page(
        self, user_id: str | None, after: KeyCursor | None, limit: int
    ) -> list[StoredKey]:
        """Everyone's keys (or ``user_id``'s), newest first, revoked ones included."""
        params: dict[str, Any] = {
            "uid": user_id,
            "after_at": after.created_at if after else None,
            "after_id": after.key_id if after else None,
            "limit": limit,
        }
        async with self.engine.connect() as conn:
            rows = (await conn.execute(self._page, params)).fetchall()
        return [_stored(r) for r in rows]

    async def revoke(self, key_id: str, by: str, owner: str | None, audit: KeyAudit) -> Revocation:
        """Revoke a key (``owner``'s only, when given); revoking it again changes nothing."""
        params = {"id": key_id, "by": by, "owner": owner}
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._revoke, params)).one_or_none()
            if row is None:
                found = (await conn.execute(self._exists, params)).first() is not None
                return Revocation(found, None)
            key = _stored(row)
            await self.outbox.add(conn, audit(key))
        return Revocation(True, key)

    async def get(self, key_id: str) -> StoredKey | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(self._get, {"id": key_id})).one_or_none()
        return None if row is None else _stored(row)

    async def find(self, secret_hash: str) -> FoundKey | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(self._find, {"hash": secret_hash})).one_or_none()
        return None if row is None else FoundKey(*row)

    async def touch(self, uses: Mapping[str, datetime]) -> None:
        """Set ``last_used_at`` of each key id to its time (never back)."""
        if not uses:
            return
        payload = json.dumps([{"id": k, "at": at.isoformat()} for k, at in uses.items()])
        async with self.engine.begin() as conn:
            await conn.execute(self._touch, {"uses": payload})
