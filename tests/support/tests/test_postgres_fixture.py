"""The shared PostgreSQL fixture hands out real, separate databases."""

import psycopg
from parley_testing import DatabaseFactory, database_name


def test_databases_are_real_and_separate(database_factory: DatabaseFactory) -> None:
    first = database_factory.create()
    second = database_factory.create()
    with psycopg.connect(first, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
    with psycopg.connect(second, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 't'"
        ).fetchone()
    assert row == (0,)


def test_template_copies_schema(database_factory: DatabaseFactory) -> None:
    template = database_factory.create()
    with psycopg.connect(template, autocommit=True) as conn:
        conn.execute("CREATE TABLE seeded (x int)")
    copy = database_factory.create(template=database_name(template))
    with psycopg.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM seeded").fetchone() == (0,)
