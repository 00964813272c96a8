"""The one agno database of the process, our SQL on agno's tables, and the run-lease table."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import structlog
from agno.db.base import SessionType
from agno.db.postgres import AsyncPostgresDb
from agno.db.utils import (
    HISTORY_SKIP_STATUSES,
    build_single_run_row,
    deserialize_session,
    json_serializer,
)
from agno.run.base import RunStatus
from agno.session import AgentSession
from agno.utils.string import sanitize_postgres_strings
from sqlalchemy import (
    Executable,
    Table,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from parley_chat.config import Settings

log = structlog.get_logger("parley_chat.db")

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SESSIONS = "agno_sessions"
RUNS = "agno_runs"
LEASES = "parley_run_leases"
# One type instance: a type class passed per call makes SQLAlchemy build a new one each time.
_JSONB = JSONB()
# Runs read for a turn beyond the history window: this turn's own RUNNING row. The SQL filter
# is agno's own (get_messages), so the window read is exactly the one the model gets.
HISTORY_MARGIN = 1
WINDOW = "parley_history_window"


def make_engine(settings: Settings) -> AsyncEngine:
    """One pooled psycopg 3 engine for agno and our own queries."""
    return create_async_engine(
        settings.sqlalchemy_url,
        pool_size=settings.DB_POOL_SIZE,
        max_overflow=settings.DB_MAX_OVERFLOW,
        # A burst that finds no free connection soon gets a 503 (app.py), not a long hang.
        pool_timeout=settings.DB_POOL_TIMEOUT_SECONDS,
        # No pool_pre_ping: it costs a round trip per checkout on the hot path.
        pool_recycle=1800,
        # A database that does not answer must turn into a quick 503, not a hung request.
        connect_args={"connect_timeout": 5},
        json_serializer=json_serializer,
    )


class ChatDb(AsyncPostgresDb):
    """agno's AsyncPostgresDb with a session save that never clobbers titles or creates chats.

    agno rewrites the whole ``session_data`` at the end of every run from what it read at the
    start, which would drop a title set meanwhile (by the user or the title task); and it would
    re-create a chat deleted during a run. Chats are created only by ``POST /api/chats``.
    """

    def __init__(self, *, history_runs: int = 10, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # run_id -> status of agno's last successful save of it in this process, or None when
        # that save failed (agno only logs such failures; the run manager must know).
        self.saved: dict[str, str | None] = {}
        # agno reads a session for a run without a runs limit (every stored run); the model
        # only ever sees the last ``history_runs`` of them.
        self.runs_window = history_runs + HISTORY_MARGIN
        # Statements built once per table object (agno resolves tables lazily): SQLAlchemy
        # then reuses their cache key and compiled form instead of rebuilding both per call.
        self._statements: dict[tuple[str, int], Executable] = {}

    def _statement(self, name: str, table: Table, build: Any) -> Any:
        key = (name, id(table))
        stmt = self._statements.get(key)
        if stmt is None:
            stmt = self._statements[key] = build(table)
        return stmt

    async def get_session(
        self,
        session_id: str,
        session_type: SessionType | None = None,
        user_id: str | None = None,
        deserialize: bool | None = True,
        runs_limit: int | None = None,
    ) -> Any:
        """A chat with only its most recent runs (the history window), in one indexed read.

        Unlike agno's, a database error propagates: a turn must fail rather than run as if
        the chat had no history.
        """
        if not deserialize or session_type not in (None, SessionType.AGENT):
            return await super().get_session(
                session_id, session_type, user_id, deserialize, runs_limit
            )
        table = await self._get_table(table_type="sessions")
        runs_table = await self._get_table(table_type="runs")
        if table is None or runs_table is None:
            return None
        limit = self.runs_window if runs_limit is None else min(runs_limit, self.runs_window)
        stmt = (
            self._statement("session", table, lambda t: _session_select(t, runs_table))
            if user_id is None
            else self._statement(
                "user_session", table, lambda t: _user_session_select(t, runs_table)
            )
        )
        async with self.db_engine.connect() as conn:
            row = (
                await conn.execute(
                    stmt, {"p_session_id": session_id, "p_user_id": user_id, "p_limit": limit}
                )
            ).fetchone()
        if row is None:
            return None
        session = dict(row._mapping)
        window = session.pop(WINDOW, None)
        if session.get("runs") or session.get("session_type") != SessionType.AGENT.value:
            # Runs still in agno's legacy blob (never written by Parley): agno's merge.
            return await super().get_session(
                session_id, session_type, user_id, deserialize, runs_limit
            )
        session["runs"] = window or []
        return deserialize_session(session_type, session)

    async def upsert_session(self, session: Any, deserialize: bool | None = True) -> Any:
        if not isinstance(session, AgentSession):
            return await super().upsert_session(session, deserialize=deserialize)
        table = await self._get_table(table_type="sessions")
        if table is None:
            return None
        data = session.to_dict(include_runs=False)
        params = {
            "p_session_id": session.session_id,
            "p_user_id": data.get("user_id"),
            "p_agent_id": data.get("agent_id"),
            "p_agent_data": sanitize_postgres_strings(data.get("agent_data")),
            "p_session_data": sanitize_postgres_strings(data.get("session_data") or {}),
            "p_summary": sanitize_postgres_strings(data.get("summary")),
            "p_metadata": sanitize_postgres_strings(data.get("metadata")),
            "p_now": int(time.time()),
        }
        async with self.db_engine.begin() as conn:
            row = (
                await conn.execute(self._statement("save", table, _session_update), params)
            ).fetchone()
        if row is None:
            return None
        saved = dict(row._mapping)
        saved.pop("runs", None)
        if not deserialize:
            saved["runs"] = [r if isinstance(r, dict) else r.to_dict() for r in session.runs or []]
            return saved
        result = deserialize_session(None, saved)
        result.runs = session.runs  # type: ignore[union-attr]
        return result

    async def upsert_run(
        self,
        run: Any,
        session_id: str,
        user_id: str | None = None,
        run_index: int | None = None,
    ) -> None:
        run_id = getattr(run, "run_id", None)
        try:
            await self._upsert_run(run, session_id, user_id, run_index)
        except IntegrityError:
            # The chat was deleted while its reply was running: the reply goes with it.
            log.info("run_dropped_with_deleted_chat", chat_id=session_id)
            if run_id:
                self.saved[run_id] = None
            return
        except Exception:
            if run_id:
                self.saved[run_id] = None
            raise
        if run_id:
            status = getattr(run, "status", None)
            self.saved[run_id] = str(getattr(status, "value", status))

    async def _upsert_run(
        self, run: Any, session_id: str, user_id: str | None, run_index: int | None
    ) -> None:
        """agno's upsert of one run, as one prebuilt statement.

        Every Parley run row is inserted (with its index) when the message is accepted, so
        this is an update; the run_index from agno (a position in the partial session it
        read) never replaces the stored one.
        """
        runs_table = await self._get_table(table_type="runs", create_table_if_not_found=True)
        if runs_table is None:
            return
        row = build_single_run_row(run, session_id, user_id=user_id, run_index=run_index)
        row["run_data"] = sanitize_postgres_strings(row["run_data"])
        if row["run_index"] is None:
            row["run_index"] = await self._next_run_index(runs_table, session_id)
        params = {f"p_{key}": value for key, value in row.items()}
        async with self.db_engine.begin() as conn:
            await conn.execute(self._statement("run", runs_table, _run_upsert), params)

    async def _next_run_index(self, runs_table: Table, session_id: str) -> int:
        async with self.db_engine.connect() as conn:
            current = (
                await conn.execute(
                    select(func.max(runs_table.c.run_index)).where(
                        runs_table.c.session_id == session_id
                    )
                )
            ).scalar()
        return int(current) + 1 if current is not None else 0

    async def update_approval_run_status(self, run_id: str, run_status: RunStatus) -> int:
        """No-op: Parley has no approvals (human-in-the-loop tools), so this saves an UPDATE
        per run that agno issues after every final save."""
        return 0


def _session_select(table: Table, runs: Table) -> Any:
    """The session row plus, as one JSON array in order, the most recent runs that can enter
    the model's history (agno's own filter: no member runs, no cancelled/errored ones)."""
    window = (
        select(runs.c.run_data, runs.c.run_index, runs.c.created_at, runs.c.run_id)
        .where(
            runs.c.session_id == bindparam("p_session_id"),
            runs.c.parent_run_id.is_(None),
            or_(runs.c.status.is_(None), runs.c.status.notin_(HISTORY_SKIP_STATUSES)),
        )
        .order_by(runs.c.run_index.desc(), runs.c.created_at.desc(), runs.c.run_id.desc())
        .limit(bindparam("p_limit"))
        .subquery("w")
    )
    ordered = aggregate_order_by(
        window.c.run_data,
        window.c.run_index.asc(),
        window.c.created_at.asc(),
        window.c.run_id.asc(),
    )
    runs_json = select(func.jsonb_agg(ordered)).scalar_subquery()
    return select(table, type_coerce(runs_json, _JSONB).label(WINDOW)).where(
        table.c.session_id == bindparam("p_session_id")
    )


def _user_session_select(table: Table, runs: Table) -> Any:
    return _session_select(table, runs).where(table.c.user_id == bindparam("p_user_id"))


def _session_update(table: Table) -> Any:
    """agno's session save as an UPDATE that keeps a title set meanwhile (never inserts)."""
    new_data = bindparam("p_session_data", type_=_JSONB)
    user: Any = bindparam("p_user_id")
    return (
        update(table)
        .where(table.c.session_id == bindparam("p_session_id"))
        .where(or_(table.c.user_id == user, table.c.user_id.is_(None)))
        .values(
            agent_id=bindparam("p_agent_id"),
            user_id=user,
            agent_data=bindparam("p_agent_data", type_=table.c.agent_data.type),
            session_data=case(
                (
                    table.c.session_data.has_key("session_name"),
                    func.jsonb_set(
                        new_data,
                        literal_column("'{session_name}'::text[]"),
                        table.c.session_data["session_name"],
                    ),
                ),
                else_=new_data,
            ),
            summary=bindparam("p_summary", type_=table.c.summary.type),
            metadata=bindparam("p_metadata", type_=table.c["metadata"].type),
            updated_at=bindparam("p_now"),
        )
        .returning(table)
    )


def _run_upsert(runs: Table) -> Any:
    cols = [
        "run_id",
        "session_id",
        "run_type",
        "agent_id",
        "team_id",
        "workflow_id",
        "user_id",
        "parent_run_id",
        "status",
        "run_index",
        "run_data",
        "created_at",
        "updated_at",
    ]
    stmt = pg_insert(runs).values({c: bindparam(f"p_{c}", type_=runs.c[c].type) for c in cols})
    return stmt.on_conflict_do_update(
        index_elements=["run_id"],
        set_={
            "status": stmt.excluded.status,
            "run_data": stmt.excluded.run_data,
            "user_id": stmt.excluded.user_id,
            "parent_run_id": stmt.excluded.parent_run_id,
            "updated_at": stmt.excluded.updated_at,
            "run_index": func.coalesce(runs.c.run_index, stmt.excluded.run_index),
        },
    )


async def warm_up(db: ChatDb) -> None:
    """Reflect agno's tables now so the first reply does not pay ~40 catalog queries."""
    for table_type in ("sessions", "runs"):
        try:
            await db._get_table(table_type=table_type)
        except Exception as exc:  # not migrated yet: agno resolves it lazily later
            log.warning("table_warm_up_failed", table=table_type, error=type(exc).__name__)


def make_db(settings: Settings, engine: AsyncEngine) -> ChatDb:
    if not _IDENTIFIER.match(settings.DB_SCHEMA):
        raise ValueError("DB_SCHEMA must be a plain lower-case identifier")
    return ChatDb(
        db_engine=engine,
        db_schema=settings.DB_SCHEMA,
        create_schema=True,
        history_runs=settings.HISTORY_RUNS,
    )


@dataclass(frozen=True)
class ChatRow:
    id: str
    title: str | None
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class RunRow:
    run_id: str
    status: str | None
    created_at: int
    updated_at: int
    input: str | None
    content: str | None
    error_code: str | None
    fixed: bool


class Queries:
    """Our SQL, built once per app with the configured schema (agno's tables plus the lease)."""

    def __init__(self, engine: AsyncEngine, schema: str) -> None:
        if not _IDENTIFIER.match(schema):
            raise ValueError("DB_SCHEMA must be a plain lower-case identifier")
        self.engine = engine
        self.schema = schema
        s, r, lt = f"{schema}.{SESSIONS}", f"{schema}.{RUNS}", f"{schema}.{LEASES}"
        self._migrated = text(
            f"SELECT to_regclass('{lt}') IS NOT NULL AND "
            f"to_regprocedure('{schema}.parley_release_lease()') IS NOT NULL"
        )
        self._insert_chat = text(
            f"INSERT INTO {s} (session_id, session_type, agent_id, user_id, session_data, "  # noqa: S608
            "created_at, updated_at) VALUES (:id, 'agent', :agent_id, :uid, "
            "CAST(:data AS jsonb), :now, :now)"
        )
        chat_cols = "session_id, session_data->>'session_name', created_at, updated_at"
        self._list_first = text(
            f"SELECT {chat_cols} FROM {s} WHERE user_id = :uid "  # noqa: S608
            "ORDER BY updated_at DESC, session_id DESC LIMIT :limit"
        )
        self._list_after = text(
            f"SELECT {chat_cols} FROM {s} WHERE user_id = :uid "  # noqa: S608
            "AND (updated_at, session_id) < (:u, :id) "
            "ORDER BY updated_at DESC, session_id DESC LIMIT :limit"
        )
        self._get_chat_detail = text(
            "SELECT s.session_id, s.session_data->>'session_name', s.created_at, "  # noqa: S608
            f"s.updated_at, l.run_id FROM {s} s LEFT JOIN {lt} l ON l.session_id = s.session_id "
            "AND l.expires_at > now() WHERE s.session_id = :id AND s.user_id = :uid"
        )
        self._list_runs = text(
            "SELECT run_id, status, created_at, updated_at, "  # noqa: S608
            "run_data->'input'->>'input_content', run_data->>'content', "
            "run_data->'metadata'->'parley'->>'code', "
            "(run_data->'metadata'->'parley') IS NOT NULL "
            f"FROM {r} WHERE session_id = :id AND parent_run_id IS NULL "
            "ORDER BY run_index ASC NULLS LAST, created_at ASC, run_id ASC"
        )
        self._get_run = text(
            "SELECT r.run_id, r.status, r.created_at, r.updated_at, "  # noqa: S608
            "r.run_data->'input'->>'input_content', r.run_data->>'content', "
            "r.run_data->'metadata'->'parley'->>'code', "
            "(r.run_data->'metadata'->'parley') IS NOT NULL "
            f"FROM {r} r JOIN {s} s ON s.session_id = r.session_id "
            "WHERE r.run_id = :rid AND r.session_id = :id AND s.user_id = :uid"
        )
        self._rename = text(
            f"UPDATE {s} SET session_data = jsonb_set(COALESCE(session_data, '{{}}'::jsonb), "  # noqa: S608
            "'{session_name}', to_jsonb(CAST(:title AS text))), updated_at = :now "
            f"WHERE session_id = :id AND user_id = :uid RETURNING {chat_cols}"
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
            "RETURNING session_id) SELECT (SELECT count(*) FROM d), "
            f"(SELECT count(pg_notify('parley_run_cancel', run_id)) FROM l "
            "WHERE EXISTS (SELECT 1 FROM d))"
        )
        self._acquire = text(
            f"WITH owned AS (SELECT session_id, "  # noqa: S608
            "COALESCE(session_data->>'session_name', '') = '' AS untitled "
            f"FROM {s} WHERE session_id = :id AND user_id = :uid), "
            f"ins AS (INSERT INTO {lt} AS l (session_id, run_id, user_id, owner, expires_at) "
            "SELECT session_id, :rid, :uid, :owner, now() + make_interval(secs => :ttl) "
            "FROM owned ON CONFLICT (session_id) DO UPDATE SET run_id = EXCLUDED.run_id, "
            "user_id = EXCLUDED.user_id, owner = EXCLUDED.owner, "
            "expires_at = EXCLUDED.expires_at, cancel_requested = false "
            "WHERE l.expires_at < now() RETURNING 1), "
            # The turn is stored as a RUNNING agno run right away (as agno's own background
            # mode does), so the user's message survives a replica dying mid-reply; agno's
            # final save of the same run_id overwrites it.
            f"run AS (INSERT INTO {r} (run_id, session_id, run_type, agent_id, user_id, status, "
            "run_index, run_data, created_at, updated_at) "
            f"SELECT :rid, :id, 'agent', :agent_id, :uid, 'RUNNING', (SELECT COALESCE("
            f"max(run_index) + 1, 0) FROM {r} WHERE session_id = :id), "
            "CAST(:run_data AS jsonb), :now, :now WHERE EXISTS (SELECT 1 FROM ins) RETURNING 1) "
            "SELECT (SELECT count(*) FROM owned), (SELECT count(*) FROM ins), "
            "COALESCE((SELECT untitled FROM owned), false), (SELECT count(*) FROM run), "
            # This commit is on the way to the first token: it need not wait for the WAL
            # flush. Only a PostgreSQL crash could lose it (a lease, and a RUNNING row that the
            # reply's final, normally committed save writes again).
            "set_config('synchronous_commit', 'off', true)"
        )
        self._release = text(f"DELETE FROM {lt} WHERE run_id = :rid")  # noqa: S608
        self._renew = text(
            f"UPDATE {lt} SET expires_at = now() + make_interval(secs => :ttl) "  # noqa: S608
            "WHERE owner = :owner AND run_id = ANY(:rids) RETURNING run_id, cancel_requested"
        )
        self._cancel = text(
            f"WITH u AS (UPDATE {lt} SET cancel_requested = true "  # noqa: S608
            "WHERE session_id = :id AND run_id = :rid AND user_id = :uid AND expires_at > now() "
            "RETURNING run_id) SELECT pg_notify('parley_run_cancel', run_id) FROM u"
        )
        self._lease_of = text(
            f"SELECT owner, expires_at > now() FROM {lt} "  # noqa: S608
            "WHERE session_id = :id AND run_id = :rid AND user_id = :uid"
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
        self, chat_id: str, user_id: str, title: str | None, agent_id: str
    ) -> ChatRow:
        import json

        now = int(time.time())
        data = json.dumps({"session_name": title} if title else {})
        async with self.engine.begin() as conn:
            await conn.execute(
                self._insert_chat,
                {"id": chat_id, "agent_id": agent_id, "uid": user_id, "data": data, "now": now},
            )
        return ChatRow(chat_id, title, now, now)

    async def list_chats(
        self, user_id: str, limit: int, after: tuple[int, str] | None
    ) -> list[ChatRow]:
        async with self.engine.connect() as conn:
            if after is None:
                result = await conn.execute(self._list_first, {"uid": user_id, "limit": limit})
            else:
                result = await conn.execute(
                    self._list_after,
                    {"uid": user_id, "limit": limit, "u": after[0], "id": after[1]},
                )
            return [_chat(row) for row in result.fetchall()]

    async def get_chat_with_runs(
        self, chat_id: str, user_id: str
    ) -> tuple[ChatRow, list[RunRow], str | None] | None:
        """The chat, its stored runs in order and the id of a reply in flight (if any)."""
        async with self.engine.connect() as conn:
            params = {"id": chat_id, "uid": user_id}
            row = (await conn.execute(self._get_chat_detail, params)).fetchone()
            if row is None:
                return None
            runs = (await conn.execute(self._list_runs, {"id": chat_id})).fetchall()
        return _chat(row), [_run(r) for r in runs], row[4]

    async def get_run(self, chat_id: str, user_id: str, run_id: str) -> RunRow | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(self._get_run, {"id": chat_id, "uid": user_id, "rid": run_id})
            ).fetchone()
        return _run(row) if row else None

    async def rename_chat(self, chat_id: str, user_id: str, title: str) -> ChatRow | None:
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    self._rename,
                    {"id": chat_id, "uid": user_id, "title": title, "now": int(time.time())},
                )
            ).fetchone()
        return _chat(row) if row else None

    async def set_auto_title(self, chat_id: str, title: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(self._auto_title, {"id": chat_id, "title": title})
        return bool(result.rowcount)

    async def delete_chat(self, chat_id: str, user_id: str) -> bool:
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._delete, {"id": chat_id, "uid": user_id})).one()
        return bool(row[0])

    async def acquire_lease(
        self,
        chat_id: str,
        user_id: str,
        run_id: str,
        owner: str,
        ttl: float,
        *,
        agent_id: str,
        run_data: str,
        now: int,
    ) -> tuple[bool, bool, bool]:
        """Check ownership, take the chat's lease and store the RUNNING run, atomically.

        Returns (chat owned by user, lease acquired, chat untitled).
        """
        params = {
            "id": chat_id,
            "uid": user_id,
            "rid": run_id,
            "owner": owner,
            "ttl": ttl,
            "agent_id": agent_id,
            "run_data": run_data,
            "now": now,
        }
        async with self.engine.begin() as conn:
            row = (await conn.execute(self._acquire, params)).one()
        return bool(row[0]), bool(row[1]), bool(row[2])

    async def release_lease(self, run_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(self._release, {"rid": run_id})

    async def renew_leases(self, owner: str, run_ids: list[str], ttl: float) -> dict[str, bool]:
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(self._renew, {"owner": owner, "rids": run_ids, "ttl": ttl})
            ).fetchall()
        return {row[0]: bool(row[1]) for row in rows}

    async def request_cancel(self, chat_id: str, user_id: str, run_id: str) -> bool:
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(self._cancel, {"id": chat_id, "uid": user_id, "rid": run_id})
            ).fetchall()
        return bool(rows)

    async def lease_of(self, chat_id: str, user_id: str, run_id: str) -> tuple[str, bool] | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(self._lease_of, {"id": chat_id, "uid": user_id, "rid": run_id})
            ).fetchone()
        return (str(row[0]), bool(row[1])) if row else None

    async def fixup_run(self, run_id: str, content: str, code: str) -> bool:
        """Store our partial text and error code on an unfinished run (hides provider text)."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(self._fixup, {"rid": run_id, "content": content, "code": code})
            ).fetchone()
        return row is not None


def _chat(row: Any) -> ChatRow:
    return ChatRow(
        id=row[0], title=row[1] or None, created_at=int(row[2]), updated_at=int(row[3] or row[2])
    )


def _run(row: Any) -> RunRow:
    return RunRow(
        run_id=row[0],
        status=row[1],
        created_at=int(row[2]),
        updated_at=int(row[3] or row[2]),
        input=row[4],
        content=row[5],
        error_code=row[6],
        fixed=bool(row[7]),
    )


async def migrate(db: ChatDb) -> None:
    """Create agno's tables (as AgentOS does), our index on them and the run-lease table."""
    schema = db.db_schema
    statements = [
        f"CREATE INDEX IF NOT EXISTS parley_sessions_user_updated ON {schema}.{SESSIONS} "
        "(user_id, updated_at DESC, session_id DESC)",
        f"CREATE TABLE IF NOT EXISTS {schema}.{LEASES} ("
        f"session_id varchar PRIMARY KEY REFERENCES {schema}.{SESSIONS} (session_id) "
        "ON DELETE CASCADE, run_id varchar NOT NULL UNIQUE, user_id varchar NOT NULL, "
        "owner varchar NOT NULL, cancel_requested boolean NOT NULL DEFAULT false, "
        "expires_at timestamptz NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS parley_run_leases_owner ON {schema}.{LEASES} (owner)",
        # agno's final save of a run releases the chat's lease in the same transaction: no
        # extra round trip per turn, and the chat is free exactly when the reply is stored.
        f"CREATE OR REPLACE FUNCTION {schema}.parley_release_lease() RETURNS trigger "  # noqa: S608
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.status IN ('COMPLETED', 'ERROR', 'CANCELLED') THEN "
        f"DELETE FROM {schema}.{LEASES} WHERE run_id = NEW.run_id; END IF; "
        "RETURN NULL; END $$",
        f"DROP TRIGGER IF EXISTS parley_release_lease ON {schema}.{RUNS}",
        f"CREATE TRIGGER parley_release_lease AFTER INSERT OR UPDATE OF status "
        f"ON {schema}.{RUNS} FOR EACH ROW EXECUTE FUNCTION {schema}.parley_release_lease()",
    ]
    lock = "hashtext('parley_chat_migrate')"
    async with db.db_engine.connect() as holder:
        # Serialise concurrent migrations (several replicas or workers starting at once):
        # agno's own table creation is not safe to race.
        await holder.execute(text(f"SELECT pg_advisory_lock({lock})"))
        try:
            await db._create_all_tables()  # type: ignore[no-untyped-call]
            async with db.db_engine.begin() as conn:
                for statement in statements:
                    await conn.execute(text(statement))
        finally:
            await holder.execute(text(f"SELECT pg_advisory_unlock({lock})"))
