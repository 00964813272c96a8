"""Compose's PostgreSQL init script: one least-privilege role per service, and each service's
migrations and queries work as that role (run on the suite's real PostgreSQL server).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from parley_deploy_checks import REPO_ROOT
from parley_devstack.stack import executable
from parley_testing import with_database

pytestmark = pytest.mark.timeout(300)
INIT = REPO_ROOT / "deploy" / "compose" / "initdb.sh"
ROLES = {"auth": "parley_auth", "chat": "parley_chat"}


def psql_environment(admin_url: str) -> dict[str, str]:
    """What the postgres image gives its init scripts: psql on PATH, the server, the user."""
    parts = urlsplit(admin_url)
    host = parse_qs(parts.query).get("host", [parts.hostname or "127.0.0.1"])[0]
    import pgserver  # the suite's server when no TEST_DATABASE_URL / Docker: its psql

    bin_dir = Path(pgserver.__file__).parent / "pginstall" / "bin"
    path = os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
    env = {"PATH": path, "PGHOST": host, "POSTGRES_USER": parts.username or "postgres"}
    if parts.port:
        env["PGPORT"] = str(parts.port)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return env


def role_url(admin_url: str, service: str, password: str) -> str:
    parts = urlsplit(with_database(admin_url, service))
    netloc = f"{ROLES[service]}:{password}@{parts.hostname or ''}"
    if parts.port:
        netloc += f":{parts.port}"
    url: str = parts._replace(netloc=netloc).geturl()
    return url


@pytest.fixture(scope="module")
def initialised(postgres_admin_url: str) -> Iterator[dict[str, str]]:
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        taken = conn.execute(
            "SELECT datname FROM pg_database WHERE datname IN ('auth', 'chat')"
        ).fetchall()
    if taken:
        pytest.fail(f"the test server already has databases {taken}: use a throwaway server")
    passwords = {s: secrets.token_hex(16) for s in ROLES}
    env = {
        **psql_environment(postgres_admin_url),
        "POSTGRES_DB": "postgres",
        "AUTH_DB_PASSWORD": passwords["auth"],
        "CHAT_DB_PASSWORD": passwords["chat"],
    }
    sh = shutil.which("sh") or "/bin/sh"
    result = subprocess.run(
        [sh, str(INIT)], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    try:
        yield {s: role_url(postgres_admin_url, s, p) for s, p in passwords.items()}
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            for service, role in ROLES.items():
                conn.execute(f"DROP DATABASE IF EXISTS {service} WITH (FORCE)")
                conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_roles_have_no_cluster_powers(postgres_admin_url: str, initialised: dict[str, str]) -> None:
    with psycopg.connect(postgres_admin_url) as conn:
        rows = conn.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls"
            " FROM pg_roles WHERE rolname IN ('parley_auth', 'parley_chat')"
        ).fetchall()
        owners: dict[str, str] = dict(
            conn.execute(
                "SELECT datname, pg_get_userbyid(datdba) FROM pg_database"
                " WHERE datname IN ('auth', 'chat')"
            ).fetchall()
        )
    assert {r[0] for r in rows} == set(ROLES.values())
    assert all(not any(r[1:]) for r in rows), rows
    assert owners == ROLES


def test_each_service_migrates_and_works_as_its_own_role(initialised: dict[str, str]) -> None:
    bin_env = {"PATH": str(Path(sys.executable).parent)}
    for service in ROLES:
        migrate = subprocess.run(
            [executable(f"parley-{service}"), "migrate"],
            env={**bin_env, "DATABASE_URL": initialised[service]},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    with psycopg.connect(initialised["auth"]) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)
    with psycopg.connect(initialised["chat"]) as conn:
        owner = conn.execute(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'ai'"
        )
        assert owner.fetchone() == ("parley_chat",)


@pytest.mark.parametrize(("service", "other"), [("auth", "chat"), ("chat", "auth")])
def test_a_service_cannot_reach_the_other_database_or_grow(
    initialised: dict[str, str], service: str, other: str
) -> None:
    foreign = initialised[service].replace(f"/{service}", f"/{other}", 1)
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(foreign).close()
    with psycopg.connect(initialised[service], autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE DATABASE parley_grab")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE ROLE parley_grab")
