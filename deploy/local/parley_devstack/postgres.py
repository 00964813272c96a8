"""Embedded PostgreSQL (pgserver) for `make dev`: one server, the `auth` and `chat` databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DATABASES = ("auth", "chat")


def start_embedded(folder: Path) -> Any:
    """Start (or reuse) the server whose files live in ``folder``; it stops when we exit."""
    import pgserver

    folder.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(folder, cleanup_mode="stop")  # type: ignore[attr-defined]


def ensure_database(admin_url: str, name: str) -> str:
    """Create database ``name`` when absent; return its URL (socket host kept)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path="/" + name))
