"""Chat's copy of auth's account changes, the feed cursor, and deleting a user's chats."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley_chat.storage.schema import (
    ACCOUNT_FEED,
    ACCOUNT_STATES,
    API_KEYS,
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
    role: str | None  # None: the feed did not say (an older auth)
    groups: tuple[str, ...] | None
    active: bool
    changed_at: datetime


@dataclass(frozen=True)
class StoredFeed:
    """Everything applied so far, and where to resume reading (None: from the beginning)."""

    accounts: list[StoredAccount]
    since: datetime | None


@dataclass(frozen=True)
class ChangeRow:
    """One change of a feed page, as stored."""

    user_id: str
    token_version: int
    deleted: bool
    role: str | None
    groups: list[str] | None
    active: bool
    changed_at: datetime


def _rows_json(rows: Sequence[ChangeRow]) -> str:
    """A page as one JSON array to bind (a list of group lists does not bind as an array)."""
    return json.dumps(
        [
            {
                "user_id": r.user_id,
                "token_version": r.token_version,
                "deleted": r.deleted,
                "role": r.role,
                "groups": r.groups,
                "active": r.active,
                "changed_at": r.changed_at.isoformat(),
            }
            for r in rows
        ]
    )


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
        keys = f"{schema}.{API_KEYS}"
        columns = "user_id, token_version, deleted, role, groups, active, changed_at"
        self._load = text(f"SELECT {columns} FROM {states}")  # noqa: S608
        self._since = text(f"SELECT since FROM {feed} WHERE id = 1")  # noqa: S608
        # Versions only grow and a deletion is final; role, groups and the active flag are
        # the newest change's: an old or repeated page undoes nothing.
        newer = "EXCLUDED.changed_at >= a.changed_at"
        self._upsert = text(
            f"INSERT INTO {states} AS a ({columns}) SELECT {columns} "  # noqa: S608
            "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(user_id varchar, "
            "token_version bigint, deleted boolean, role varchar, groups text[], "
            "active boolean, changed_at timestamptz) "
            "ON CONFLICT (user_id) DO UPDATE SET "
            "token_version = GREATEST(a.token_version, EXCLUDED.token_version), "
            "deleted = a.deleted OR EXCLUDED.deleted, "
            f"role = CASE WHEN {newer} THEN EXCLUDED.role ELSE a.role END, "
            f"groups = CASE WHEN {newer} THEN EXCLUDED.groups ELSE a.groups END, "
            f"active = CASE WHEN {newer} THEN EXCLUDED.active ELSE a.active END, "
            "changed_at = GREATEST(a.changed_at, EXCLUDED.changed_at)"
        )
        # Their chats go with their runs and leases (foreign keys cascade); each replica
        # running one of their replies hears its run id on the cancel channel and stops it.
        # Their API keys go too (a data-modifying WITH runs whether or not it is read).
        self._delete_chats = text(
            f"WITH l AS (SELECT run_id FROM {lt} WHERE user_id = ANY(:uids)), "  # noqa: S608
            f"k AS (DELETE FROM {keys} WHERE user_id = ANY(:uids)), "
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
        accounts = [
            StoredAccount(
                user_id=r.user_id,
                token_version=int(r.token_version),
                deleted=bool(r.deleted),
                role=r.role,
                groups=None if r.groups is None else tuple(r.groups),
                active=bool(r.active),
                changed_at=r.changed_at,
            )
            for r in rows
        ]
        return StoredFeed(accounts, since)

    async def apply(
        self, changes: Sequence[ChangeRow], deleted_users: Sequence[str]
    ) -> AppliedPage:
        """Store a page's changes and delete the chats of ``deleted_users``, in one commit."""
        async with self.engine.begin() as conn:
            if changes:
                await conn.execute(self._upsert, {"rows": _rows_json(changes)})
            if not deleted_users:
                return AppliedPage(0, 0)
            row = (await conn.execute(self._delete_chats, {"uids": list(deleted_users)})).one()
        return AppliedPage(int(row.chats), int(row.runs))

    async def save_since(self, since: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(self._save_since, {"since": since})
