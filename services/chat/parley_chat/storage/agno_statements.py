"""The statements behind ChatDb, built once per table object (agno resolves tables lazily)."""

from __future__ import annotations

from typing import Any

from agno.db.utils import HISTORY_SKIP_STATUSES
from sqlalchemy import (
    Table,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert

# One type instance: a type class passed per call makes SQLAlchemy build a new one each time.
_JSONB = JSONB()
# The column of a session read that holds its history window of runs.
WINDOW = "parley_history_window"


def session_select(table: Table, runs: Table) -> Any:
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


def user_session_select(table: Table, runs: Table) -> Any:
    return session_select(table, runs).where(table.c.user_id == bindparam("p_user_id"))


# What Parley keeps in a session's ``session_data`` (the chat's title and model): set by our own
# statements, never by agno's end-of-run save.
PARLEY_SESSION_KEYS = ("session_name", "parley_model")


def session_update(table: Table) -> Any:
    """agno's session save as an UPDATE that keeps the chat's title and model as stored now
    (agno writes back what it read at the start of the run); it never inserts."""
    new_data = bindparam("p_session_data", type_=_JSONB)
    user: Any = bindparam("p_user_id")
    stored = table.c.session_data
    agno_part: Any = new_data
    ours: list[Any] = []
    for key in PARLEY_SESSION_KEYS:
        agno_part = agno_part.op("-")(literal_column(f"'{key}'::text"))
        ours += [literal_column(f"'{key}'::text"), stored[key]]
    kept = func.jsonb_strip_nulls(func.jsonb_build_object(*ours))
    return (
        update(table)
        .where(table.c.session_id == bindparam("p_session_id"))
        .where(or_(table.c.user_id == user, table.c.user_id.is_(None)))
        .values(
            agent_id=bindparam("p_agent_id"),
            user_id=user,
            agent_data=bindparam("p_agent_data", type_=table.c.agent_data.type),
            session_data=type_coerce(
                agno_part.op("||")(func.coalesce(kept, literal_column("'{}'::jsonb"))), _JSONB
            ),
            summary=bindparam("p_summary", type_=table.c.summary.type),
            metadata=bindparam("p_metadata", type_=table.c["metadata"].type),
            updated_at=bindparam("p_now"),
        )
        .returning(table)
    )


def run_upsert(runs: Table) -> Any:
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
