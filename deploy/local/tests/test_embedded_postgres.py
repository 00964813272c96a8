"""The embedded server keeps its data across restarts, with one database per service."""

from __future__ import annotations

from pathlib import Path

import psycopg
from parley_devstack.postgres import ensure_database, start_embedded


def test_databases_and_rows_survive_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "postgres"
    server = start_embedded(folder)
    try:
        auth_url = ensure_database(server.get_uri(), "auth")
        chat_url = ensure_database(server.get_uri(), "chat")
        assert auth_url != chat_url
        with psycopg.connect(auth_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
    finally:
        server.cleanup()
    again = start_embedded(folder)
    try:
        auth_url = ensure_database(again.get_uri(), "auth")  # exists: not recreated
        with psycopg.connect(auth_url) as conn:
            assert conn.execute("SELECT note FROM kept").fetchall() == [("still here",)]
    finally:
        again.cleanup()
