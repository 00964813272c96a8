"""Table names, the schema-name check, and applying the migration files in ``migrations/``."""

from __future__ import annotations

import re
from importlib import resources

import structlog
from sqlalchemy import text

from parley_chat.storage.agno_db import ChatDb

log = structlog.get_logger("parley_chat.storage")

SESSIONS = "agno_sessions"
RUNS = "agno_runs"
LEASES = "parley_run_leases"
ACCOUNT_STATES = "parley_account_states"
ACCOUNT_FEED = "parley_account_feed"
CATALOG_PROVIDERS = "parley_catalog_providers"
CATALOG_MODELS = "parley_catalog_models"
AUDIT_OUTBOX = "parley_audit_outbox"
API_KEYS = "parley_api_keys"
USAGE = "parley_usage"
USAGE_DAILY = "parley_usage_daily"
USAGE_HOLDS = "parley_usage_holds"
BUDGETS = "parley_budgets"
# pg_notify channel that carries a run id to the replica running it (cancel, chat deleted).
CANCEL_CHANNEL = "parley_run_cancel"
# pg_notify channel of the catalog tables' trigger: every replica reloads its catalog.
CATALOG_CHANNEL = "parley_catalog_changed"
# The function the first migration creates and the table the last one does: both present
# means the schema is up to date.
MIGRATED_MARKER = "parley_release_lease()"
MIGRATED_TABLE = USAGE_HOLDS
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_MIGRATE_LOCK = "hashtext('parley_chat_migrate')"


def checked_schema(schema: str) -> str:
    """The schema name, which is pasted into SQL: only a plain identifier is accepted."""
    if not _IDENTIFIER.match(schema):
        raise ValueError("DB_SCHEMA must be a plain lower-case identifier")
    return schema


def migration_scripts(schema: str) -> list[str]:
    """Our migration files in order, with the schema name filled in.

    Each file is idempotent (IF NOT EXISTS, OR REPLACE), so every start may apply them all.
    """
    folder = resources.files("parley_chat.storage") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    schema = checked_schema(schema)
    return [f.read_text(encoding="utf-8").replace("{schema}", schema) for f in files]


async def migrate(db: ChatDb) -> None:
    """Create agno's tables (as AgentOS does), then apply our migration files."""
    async with db.db_engine.connect() as holder:
        # Serialise concurrent migrations (several replicas or workers starting at once):
        # agno's own table creation is not safe to race.
        await holder.execute(text(f"SELECT pg_advisory_lock({_MIGRATE_LOCK})"))
        try:
            await db._create_all_tables()  # type: ignore[no-untyped-call]
            async with db.db_engine.begin() as conn:
                for script in migration_scripts(db.db_schema):
                    # Several statements in one script: plain driver SQL, no bind parameters.
                    await conn.exec_driver_sql(script)
        finally:
            await holder.execute(text(f"SELECT pg_advisory_unlock({_MIGRATE_LOCK})"))


async def warm_up(db: ChatDb) -> None:
    """Reflect agno's tables now so the first reply does not pay ~40 catalog queries."""
    for table_type in ("sessions", "runs"):
        try:
            await db._get_table(table_type=table_type)
        except Exception as exc:  # not migrated yet: agno resolves it lazily later
            log.warning("table_warm_up_failed", table=table_type, error=type(exc).__name__)
