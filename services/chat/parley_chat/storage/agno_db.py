"""ChatDb: agno's AsyncPostgresDb with the reads and saves a Parley turn needs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from agno.db.base import SessionType
from agno.db.postgres import AsyncPostgresDb
from agno.db.utils import build_single_run_row, deserialize_session
from agno.run.base import RunStatus
from agno.session import AgentSession
from agno.utils.string import sanitize_postgres_strings
from sqlalchemy import Executable, Table, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from parley_chat.context_window import ContextBudget, turn_budget
from parley_chat.storage import agno_statements as statements
from parley_chat.storage.final_saves import FinalSaves

log = structlog.get_logger("parley_chat.storage")
T = TypeVar("T")

# Runs read for a turn beyond the history window: this turn's own RUNNING row. The SQL filter
# is agno's own (get_messages), so the window read is exactly the one the model gets.
HISTORY_MARGIN = 1


class ChatDb(AsyncPostgresDb):
    """agno's AsyncPostgresDb with a session save that never clobbers titles or creates chats.

    agno rewrites the whole ``session_data`` at the end of every run from what it read at the
    start, which would drop a title set meanwhile (by the user or the title task); and it would
    re-create a chat deleted during a run. Chats are created only by ``POST /api/chats``.
    """

    def __init__(
        self,
        *,
        final_saves: FinalSaves,
        budget: ContextBudget,
        history_runs: int = 10,
        save_retry_seconds: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.save_retry_seconds = save_retry_seconds
        # agno only logs a failed save; the run manager must know (see FinalSaves).
        self.final_saves = final_saves
        # agno reads a session for a run without a runs limit (every stored run); the model
        # only ever sees the last ``history_runs`` of them.
        self.runs_window = history_runs + HISTORY_MARGIN
        # ... and of those, only the newest that fit the history's token budget: the turn's
        # model's (context_window.turn_budget), else this one.
        self.budget = budget
        # Statements built once per table object (agno resolves tables lazily): SQLAlchemy
        # then reuses their cache key and compiled form instead of rebuilding both per call.
        self._statements: dict[tuple[str, int], Executable] = {}

    def _statement(self, name: str, table: Table, build: Callable[[Table], Any]) -> Any:
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
        """A chat with only its most recent runs (the history window), in one indexed read,
        cut to the newest runs that fit the token budget (counted here, no extra query).

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
            self._statement("session", table, lambda t: statements.session_select(t, runs_table))
            if user_id is None
            else self._statement(
                "user_session", table, lambda t: statements.user_session_select(t, runs_table)
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
        window = session.pop(statements.WINDOW, None)
        if session.get("runs") or session.get("session_type") != SessionType.AGENT.value:
            # Runs still in agno's legacy blob (never written by Parley): agno's merge.
            return await super().get_session(
                session_id, session_type, user_id, deserialize, runs_limit
            )
        budget = turn_budget.get() or self.budget
        session["runs"] = budget.window(window or [])
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
        save = self._statement("save", table, statements.session_update)

        async def update() -> Any:
            async with self.db_engine.begin() as conn:
                return (await conn.execute(save, params)).fetchone()

        row = await self._through_outage("session_save", update)
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
                self.final_saves.record(run_id, None)
            return
        except Exception:
            if run_id:
                self.final_saves.record(run_id, None)
            raise
        if run_id:
            status = getattr(run, "status", None)
            self.final_saves.record(run_id, str(getattr(status, "value", status)))

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
        upsert = self._statement("run", runs_table, statements.run_upsert)

        async def save() -> None:
            async with self.db_engine.begin() as conn:
                await conn.execute(upsert, params)

        await self._through_outage("run_save", save)

    async def _through_outage(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """``attempt()``, tried again through a database outage of up to save_retry_seconds.

        A reply's final save comes after its text reached the client: a restart or failover of
        PostgreSQL in that moment must delay the end of the reply, not lose it.
        """
        deadline = time.monotonic() + self.save_retry_seconds
        delay = 0.2
        while True:
            try:
                return await attempt()
            except (OperationalError, InterfaceError, PoolTimeout) as exc:
                failure: Exception = exc
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                failure = exc
            if time.monotonic() + delay > deadline:
                raise failure
            log.warning("save_retrying", what=what, error=type(failure).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

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
