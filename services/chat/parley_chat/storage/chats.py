"""Chats and their stored runs: our SQL on agno's tables, with named rows."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley_chat.storage.schema import (
    CANCEL_CHANNEL,
    LEASES,
    MIGRATED_MARKER,
    MIGRATED_TABLE,
    RUNS,
    SESSIONS,
    checked_schema,
)


@dataclass(frozen=True)
class ChatRow:
    id: str
    title: str | None
    created_at: int
    updated_at: int
    model: str | None = None  # the chat's catalog model; None: the catalog default


@dataclass(frozen=True)
class RunRow:
    run_id: str
    status: str | None
    created_at: int
    updated_at: int
    input: str | None
    content: str | None
    error_code: str | None
    fixed: bool  # our fix-up (partial text, error code) was stored on it
    index: int | None = None  # its place in the chat (the turn number from 0)
    model: str | None = None  # the catalog id of the model that answered


class ChatWithRuns(NamedTuple):
    chat: ChatRow
    runs: list[RunRow]  # the newest page of turns, in order
    active_run_id: str | None  # the reply in flight, if any
    older: int | None  # the index of the page's first turn when older turns exist, else None


class ChatChange(NamedTuple):
    """A PATCH of a chat: a new title (None: kept) and, when ``set_model``, a new model."""

    title: str | None
    set_model: bool
    model: str | None  # None with set_model: back to the catalog default


class RunTokens(NamedTuple):
    """The tokens a stored run used, as its provider reported them (agno's run metrics)."""

    input_tokens: int
    output_tokens: int


class ListCursor(NamedTuple):
    """Where a page of the chat list ends: the last chat's update time and id."""

    updated_at: int
    chat_id: str


# The chat's title and model live in agno's session_data (agno_statements.PARLEY_SESSION_KEYS).
_CHAT_COLUMNS = (
    "session_id AS id, session_data->>'session_name' AS title, "
    "session_data->>'parley_model' AS model, created_at, updated_at"
)
_RUN_COLUMNS = (
    "r.run_id, r.status, r.created_at, r.updated_at, "
    "r.run_data->'input'->>'input_content' AS input, r.run_data->>'content' AS content, "
    "r.run_data->'metadata'->'parley'->>'code' AS error_code, "
    "(r.run_data->'metadata'->'parley') IS NOT NULL AS fixed, r.run_index AS index, "
    "r.run_data->'metadata'->>'parley_model' AS model"
)
# A page of turns, newest first (reversed in Python); ``before`` is a turn index.
_PAGE_ORDER = "ORDER BY r.run_index DESC NULLS FIRST, r.created_at DESC, r.run_id DESC LIMIT :limit"


class ChatQueries:
    """Our SQL on agno's tables, built once per app with the configured schema."""

    def __init__(self, engine: AsyncEngine, schema: str) -> None:
        self.engine = engine
        schema = checked_schema(schema)
        s, r, lt = f"{schema}.{SESSIONS}", f"{schema}.{RUNS}", f"{schema}.{LEASES}"
        self._migrated = text(
            f"SELECT to_regclass('{lt}') IS NOT NULL AND "
            f"to_regclass('{schema}.{MIGRATED_TABLE}') IS NOT NULL AND "
            f"to_regprocedure('{schema}.{MIGRATED_MARKER}') IS NOT NULL"
        )
        self._insert_chat = text(
            f"INSERT INTO {s} (session_id, session_type, agent_id, user_id, session_data, "  # noqa: S608
            "created_at, updated_at) VALUES (:id, 'agent', :agent_id, :uid, "
            "CAST(:data AS jsonb), :now, :now)"
        )
        self._list_first = text(
            f"SELECT {_CHAT_COLUMNS} FROM {s} WHERE user_id = :uid "  # noqa: S608
            "ORDER BY updated_at DESC, session_id DESC LIMIT :limit"
        )
        self._list_after = text(
            f"SELECT {_CHAT_COLUMNS} FROM {s} WHERE user_id = :uid "  # noqa: S608
            "AND (updated_at, session_id) < (:u, :id) "
            "ORDER BY updated_at DESC, session_id DESC LIMIT :limit"
        )
        self._get_chat_detail = text(
            "SELECT s.session_id AS id, s.session_data->>'session_name' AS title, "  # noqa: S608
            "s.session_data->>'parley_model' AS model, "
            "s.created_at, s.updated_at, l.run_id AS active_run_id "
            f"FROM {s} s LEFT JOIN {lt} l ON l.session_id = s.session_id "
            "AND l.expires_at > now() WHERE s.session_id = :id AND s.user_id = :uid"
        )
        turns = f"SELECT {_RUN_COLUMNS} FROM {r} r "  # noqa: S608
        turns += "WHERE r.session_id = :id AND r.parent_run_id IS NULL"
        self._newest_runs = text(f"{turns} {_PAGE_ORDER}")
        self._runs_before = text(f"{turns} AND r.run_index < :before {_PAGE_ORDER}")
        self._get_run = text(
            f"SELECT {_RUN_COLUMNS} FROM {r} r "  # noqa: S608
            f"JOIN {s} s ON s.session_id = r.session_id "
            "WHERE r.run_id = :rid AND r.session_id = :id AND s.user_id = :uid"
        )
        self._run_tokens = text(
            "SELECT (run_data->'metrics'->>'input_tokens')::bigint AS input_tokens, "  # noqa: S608
            "(run_data->'metrics'->>'output_tokens')::bigint AS output_tokens "
            f"FROM {r} WHERE run_id = :rid"
        )
        # A title given replaces the stored one; a model given (``set_model``) replaces it,
        # None going back to the catalog default.
        data = "COALESCE(session_data, '{}'::jsonb)"
        titled = (
            f"(CASE WHEN CAST(:title AS text) IS NULL THEN {data} ELSE jsonb_set({data}, "
            "'{session_name}', to_jsonb(CAST(:title AS text))) END)"
        )
        modelled = (
            "CASE WHEN NOT CAST(:set_model AS boolean) THEN "
            f"{titled} WHEN CAST(:model AS text) IS NULL THEN {titled} - 'parley_model' "
            f"ELSE jsonb_set({titled}, '{{parley_model}}', to_jsonb(CAST(:model AS text))) END"
        )
        self._update = text(
            f"UPDATE {s} SET session_data = {modelled}, updated_at = :now "  # noqa: S608
            f"WHERE session_id = :id AND user_id = :uid RETURNING {_CHAT_COLUMNS}"
        )
        self._auto_title = text(
            f"UPDATE {s} SET session_data = jsonb_set(COALESCE(session_data, '{{}}'::jsonb), "  # noqa: S608
            "'{session_name}', to_jsonb(CAST(:title AS text))) "
            "WHERE session_id = :id AND COALESCE(session_data->>'session_name', '') = ''"
        )
        # Deleting a chat also tells the replica running its reply (if any) to stop.
        self._delete = text(
            f"WITH l AS (SELECT run_id FROM {lt} WHERE session_id = :id AND user_id = :uid), "  # noqa: S608
            f"d AS (DELETE FROM {s} WHERE session_id = :id AND user_id = :uid "
            "RETURNING session_id) SELECT (SELECT count(*) FROM d) AS deleted, "
            f"(SELECT count(pg_notify('{CANCEL_CHANNEL}', run_id)) FROM l "
            "WHERE EXISTS (SELECT 1 FROM d))"
        )
        self._fixup = text(
            f"UPDATE {r} SET run_data = (run_data - 'events') || jsonb_build_object("  # noqa: S608
            "'content', CAST(:content AS text), 'metadata', "
            "(CASE WHEN jsonb_typeof(run_data->'metadata') = 'object' "
            "THEN run_data->'metadata' ELSE '{}'::jsonb END) || "
            "jsonb_build_object('parley', jsonb_build_object('code', CAST(:code AS text))))"
            " WHERE run_id = :rid AND status IN ('CANCELLED', 'ERROR') RETURNING run_id"
        )

    async def ping(self) -> bool:
        """True when the database answers and has been migrated."""
        async with self.engine.connect() as conn:
            found = await conn.execute(self._migrated)
            return bool(found.scalar())

    async def insert_chat(
        self, chat_id: str, user_id: str, title: str | None, agent_id: str, model: str | None
    ) -> ChatRow:
        now = int(time.time())
        data: dict[str, str] = {"session_name": title} if title else {}
        if model is not None:
            data["parley_model"] = model
        async with self.engine.begin() as conn:
            await conn.execute(
                self._insert_chat,
                {
                    "id": chat_id,
                    "agent_id": agent_id,
                    "uid": user_id,
                    "data": json.dumps(data),
                    "now": now,
                },
            )
        return ChatRow(chat_id, title, now, now, model)

    async def list_chats(self, user_id: str, limit: int, after: ListCursor | None) -> list[ChatRow]:
        async with self.engine.connect() as conn:
            if after is None:
                result = await conn.execute(self._list_first, {"uid": user_id, "limit": limit})
            else:
                result = await conn.execute(
                    self._list_after,
                    {"uid": user_id, "limit": limit, "u": after.updated_at, "id": after.chat_id},
                )
            return [_chat(row) for row in result.fetchall()]

    async def get_chat_with_runs(
        self, chat_id: str, user_id: str, limit: int, before: int | None = None
    ) -> ChatWithRuns | None:
        """The chat, its newest ``limit`` turns before turn ``before`` (in order), and the id
        of a reply in flight (if any)."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(self._get_chat_detail, {"id": chat_id, "uid": user_id})
            ).fetchone()
            if row is None:
                return None
            params = {"id": chat_id, "limit": limit + 1, "before": before}
            page = self._newest_runs if before is None else self._runs_before
            runs = [_run(r) for r in (await conn.execute(page, params)).fetchall()]
        older = runs[limit - 1].index if len(runs) > limit else None
        runs = runs[:limit][::-1]
        return ChatWithRuns(_chat(row), runs, row.active_run_id, older)

    async def get_run(self, chat_id: str, user_id: str, run_id: str) -> RunRow | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(self._get_run, {"id": chat_id, "uid": user_id, "rid": run_id})
            ).fetchone()
        return _run(row) if row else None

    async def run_tokens(self, run_id: str) -> RunTokens | None:
        """The run's stored usage; None when the provider reported none (or no such run)."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(self._run_tokens, {"rid": run_id})).fetchone()
        if row is None or not (row.input_tokens or row.output_tokens):
            return None
        return RunTokens(int(row.input_tokens or 0), int(row.output_tokens or 0))

    async def update_chat(self, chat_id: str, user_id: str, change: ChatChange) -> ChatRow | None:
        """Change the chat's title and/or model; None when it is not the user's chat."""
        params = {
            "id": chat_id,
            "uid": user_id,
            "title": change.title,
            "set_model": change.set_model,
            "model": change.model,
            "now": int(time.time()),
        }
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._update, params)).fetchone()
        return _chat(row) if row else None

    async def set_auto_title(self, chat_id: str, title: str) -> bool:
        """Name an untitled chat (a title set meanwhile by its user wins)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(self._auto_title, {"id": chat_id, "title": title})
        return bool(result.rowcount)

    async def delete_chat(self, chat_id: str, user_id: str) -> bool:
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._delete, {"id": chat_id, "uid": user_id})).one()
        return bool(row.deleted)

    async def fixup_run(self, run_id: str, content: str, code: str) -> bool:
        """Store our partial text and error code on an unfinished run (hides provider text)."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(self._fixup, {"rid": run_id, "content": content, "code": code})
            ).fetchone()
        return row is not None


def _chat(row: Any) -> ChatRow:
    return ChatRow(
        id=row.id,
        title=row.title or None,
        created_at=int(row.created_at),
        updated_at=int(row.updated_at or row.created_at),
        model=row.model,
    )


def _run(row: Any) -> RunRow:
    return RunRow(
        run_id=row.run_id,
        status=row.status,
        created_at=int(row.created_at),
        updated_at=int(row.updated_at or row.created_at),
        input=row.input,
        content=row.content,
        error_code=row.error_code,
        fixed=bool(row.fixed),
        index=row.index,
        model=row.model,
    )
