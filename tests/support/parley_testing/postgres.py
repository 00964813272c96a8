"""Find a real PostgreSQL server for tests and hand out fresh databases on it.

Order: ``TEST_DATABASE_URL``; a testcontainers container when a Docker engine answers;
else an embedded server from the ``pgserver`` wheel in a temporary folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield an admin URL (``postgresql://``) of a PostgreSQL server, started if need be."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield plain_url(configured)
        return
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield container.get_connection_url()
        return
    import pgserver

    folder = tempfile.mkdtemp(prefix="parley-pg-")
    server = pgserver.get_server(folder, cleanup_mode="stop")  # type: ignore[attr-defined]
    try:
        # A throwaway test server needs no crash safety; without fsync, creating a database
        # from a template is about four times faster.
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(sql.SQL("ALTER SYSTEM SET {} = off").format(sql.Identifier(setting)))
            conn.execute("SELECT pg_reload_conf()")
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def plain_url(url: str) -> str:
    """Strip a SQLAlchemy driver suffix: ``postgresql+asyncpg://`` -> ``postgresql://``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


def with_database(url: str, name: str) -> str:
    """Return ``url`` pointing at database ``name`` (query string, such as a socket host, kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def with_driver(url: str, driver: str) -> str:
    """Return ``url`` with a SQLAlchemy driver, e.g. ``with_driver(u, "asyncpg")``."""
    parts = urlsplit(plain_url(url))
    return urlunsplit(parts._replace(scheme=f"postgresql+{driver}"))


@dataclass
class DatabaseFactory:
    """Creates uniquely named databases on one server and drops them at the end."""

    admin_url: str
    prefix: str = "parley_test"
    created: list[str] = field(default_factory=list)

    def create(self, template: str | None = None) -> str:
        """Create an empty database (or a copy of ``template``) and return its plain URL."""
        name = f"{self.prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            if template:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(template)
                    )
                )
            else:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return with_database(self.admin_url, name)

    def drop_all(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in reversed(self.created):
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        self.created.clear()


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")
