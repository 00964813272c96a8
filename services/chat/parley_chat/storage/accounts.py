"""Chat's copy of auth's account changes, the feed cursor, and deleting a user's chats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley_chat.storage.schema import (
    ACCOUNT_FEED,
    ACCOUNT_STATES,
    CANCEL_CHANNEL,
    LEASES,
    SESSIONS,
    checked_schema,
)


@dataclass(frozen=True)
class StoredAccount:
    user_id: str
    token_version: int
    deleted: bool


@dataclass(frozen=True)
class StoredFeed:
    """Everything applied so far, and where to resume reading (None: from the beginning)."""

    accounts: list[StoredAccount]
    since: datetime | None


@dataclass(frozen=True)
class ChangeRows:
    """One feed page as columns, ready to bind as arrays."""

    user_ids: list[str]
    token_versions: list[int]
    deleted: list[bool]
    changed_at: list[datetime]


@dataclass(frozen=True)
class AppliedPage:
    chats_deleted: int  # chats of deleted users removed by this page (0 when already gone)
    runs_cancelled: int  # replies in flight told to stop (through the cancel channel)


class AccountQueries:
    """Our SQL on the account tables, built once per app with the configured schema."""

    def __init__(self, engine: AsyncEngine, schema: str) -> None:
        self.engine = engine
        schema = checked_schema(schema)
        states, feed = f"{schema}.{ACCOUNT_STATES}", f"{schema}.{ACCOUNT_FEED}"
        s, lt = f"{schema}.{SESSIONS}", f"{schema}.{LEASES}"
        self._load = text(f"SELECT user_id, token_version, deleted FROM {states}")  # noqa: S608
        self._since = text(f"SELECT since FROM {feed} WHERE id = 1")  # noqa: S608
        # Versions only grow and a deletion is final: an old or repeated page undoes nothing.
        self._upsert = text(
            f"INSERT INTO {states} AS a (user_id, token_version, deleted, changed_at) "  # noqa: S608
            "SELECT * FROM unnest(CAST(:uids AS varchar[]), CAST(:versions AS bigint[]), "
            "CAST(:deleted AS boolean[]), CAST(:changed AS timestamptz[])) "
            "ON CONFLICT (user_id) DO UPDATE SET "
            "token_version = GREATEST(a.token_version, EXCLUDED.token_version), "
            "deleted = a.deleted OR EXCLUDED.deleted, "
            "changed_at = GREATEST(a.changed_at, EXCLUDED.changed_at)"
        )
        # Their chats go with their runs and leases (foreign keys cascade); each replica
        # running one of their replies hears its run id on the cancel channel and stops it.
        self._delete_chats = text(
            f"WITH l AS (SELECT run_id FROM {lt} WHERE user_id = ANY(:uids)), "  # noqa: S608
            f"d AS (DELETE FROM {s} WHERE user_id = ANY(:uids) RETURNING session_id) "
            "SELECT (SELECT count(*) FROM d) AS chats, "
            f"(SELECT count(pg_notify('{CANCEL_CHANNEL}', run_id)) FROM l) AS runs"
        )
        self._save_since = text(
            f"INSERT INTO {feed} (id, since) VALUES (1, :since) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET since = EXCLUDED.since, updated_at = now()"
        )

    async def load(self) -> StoredFeed:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(self._load)).fetchall()
            since = (await conn.execute(self._since)).scalar()
        accounts = [StoredAccount(r.user_id, int(r.token_version), bool(r.deleted)) for r in rows]
        return StoredFeed(accounts, since)

    async def apply(self, changes: ChangeRows, deleted_users: Sequence[str]) -> AppliedPage:
        """Store a page's changes and delete the chats of ``deleted_users``, in one commit."""
        params = {
            "uids": changes.user_ids,
            "versions": changes.token_versions,
            "deleted": changes.deleted,
            "changed": changes.changed_at,
        }
        async with self.engine.begin() as conn:
            if changes.user_ids:
                await conn.execute(self._upsert, params)
            if not deleted_users:
                return AppliedPage(0, 0)
            row = (await conn.execute(self._delete_chats, {"uids": list(deleted_users)})).one()
        return AppliedPage(int(row.chats), int(row.runs))

    async def save_since(self, since: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(self._save_since, {"since": since})
