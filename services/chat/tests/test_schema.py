"""Our schema on agno's tables: applied from the migration files into any configured schema."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from parley_chat.config import Settings
from parley_chat.storage.schema import migration_scripts
from parley_testing import DatabaseFactory
from parley_testing import TestKey as Key
from pydantic import ValidationError

from .conftest import running_chat


async def test_a_custom_schema_gets_the_tables_the_lease_and_its_trigger(
    make_settings: Any, database_factory: DatabaseFactory, signing_key: Key
) -> None:
    url = database_factory.create()
    settings = make_settings(DATABASE_URL=url, DB_SCHEMA="team_b", MIGRATE_ON_START=True)
    async with running_chat(settings, signing_key) as chat:
        user = chat.user()
        chat_id = (await chat.create_chat(user))["id"]
        # Back to back: the second turn is accepted only if agno's final save of the first
        # freed the chat's lease, which the trigger in this schema does.
        for turn in ("one", "two"):
            events = await chat.send(user, chat_id, turn)
            assert events[-1].event == "run.completed"
        detail = await chat.get_chat(user, chat_id)
    assert [m["content"] for m in detail["messages"] if m["role"] == "user"] == ["one", "two"]
    with psycopg.connect(url) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_name IN ('agno_sessions', 'agno_runs', 'parley_run_leases')"
            )
        }
        leases = conn.execute("SELECT count(*) FROM team_b.parley_run_leases").fetchone()
    assert tables == {"team_b.agno_sessions", "team_b.agno_runs", "team_b.parley_run_leases"}
    assert leases == (0,)


@pytest.mark.parametrize("schema", ["Team", "ai; DROP TABLE x", "ai.x", "", "1ai"])
def test_a_schema_name_that_is_not_a_plain_identifier_is_refused(schema: str) -> None:
    # The name is pasted into SQL (identifiers cannot be bound parameters): refused when the
    # settings are read, and again by the storage that builds SQL with it.
    with pytest.raises(ValidationError, match="DB_SCHEMA"):
        Settings(DB_SCHEMA=schema)
    with pytest.raises(ValueError, match="DB_SCHEMA"):
        migration_scripts(schema)


def test_the_migration_files_name_only_the_configured_schema() -> None:
    scripts = migration_scripts("team_b")
    assert scripts and all("{schema}" not in s for s in scripts)
    assert "team_b.parley_run_leases" in scripts[0] and " ai." not in scripts[0]
