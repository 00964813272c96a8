"""The ``parley-auth`` CLI (keys, migrate, serve) and migrations up and down on a real database."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path

import httpx
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from parley_auth.cli import main
from parley_auth.emails import canonical_email
from parley_auth.migrate import downgrade, upgrade
from parley_testing import DatabaseFactory, serve_command, thumbprint

from .conftest import PASSWORD, AuthFactory, fullwidth

TABLES = {
    "users",
    "refresh_tokens",
    "login_throttle",
    "login_device_throttle",
    "rate_limits",
    "account_changes",
    "invites",
    "groups",
    "group_members",
    "audit_events",
    "oauth_accounts",
    "site_settings",
}


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {name for (name,) in rows}


def test_keys_generate_writes_a_private_key_and_jwks_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "keys"
    assert main(["keys", "generate", "--dir", str(folder)]) == 0
    key_path, jwks_path = folder / "signing-key.pem", folder / "jwks.json"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    [jwk] = json.loads(jwks_path.read_text())["keys"]
    assert jwk["kid"] == thumbprint(key.public_key())  # type: ignore[arg-type]
    assert jwk["alg"] == "RS256" and jwk["use"] == "sig" and "d" not in jwk
    assert str(key_path) in capsys.readouterr().out

    before = key_path.read_bytes()
    jwks_path.unlink()
    assert main(["keys", "generate", "--dir", str(folder)]) == 0
    assert key_path.read_bytes() == before  # idempotent: the key is kept
    assert json.loads(jwks_path.read_text())["keys"][0]["kid"] == jwk["kid"]


def test_migrate_command_upgrades_an_empty_database(
    database_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = database_factory.create()
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 0
    assert tables(url) >= TABLES
    assert main(["migrate"]) == 0  # already at head: nothing to do


async def test_migrations_upgrade_and_downgrade_cleanly(database_factory: DatabaseFactory) -> None:
    url = database_factory.create()
    assert tables(url) == set()
    await upgrade(url)
    assert tables(url) == TABLES | {"alembic_version"}
    with psycopg.connect(url) as conn:
        [(indexdef,)] = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ux_users_email_canonical'"
        ).fetchall()
    assert "UNIQUE" in indexdef and "email_canonical" in indexdef
    await downgrade(url)
    assert tables(url) == {"alembic_version"}
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (0,)
    await upgrade(url)
    assert tables(url) >= TABLES


async def test_the_database_itself_refuses_a_second_account_for_one_canonical_email(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory.create()
    await upgrade(url)
    insert = (
        "INSERT INTO users (id, email, email_canonical, hashed_password)"
        " VALUES (gen_random_uuid(), %s, %s, 'x')"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(insert, ("Dana@Example.com", canonical_email("Dana@Example.com")))
        with pytest.raises(psycopg.errors.UniqueViolation):
            variant = fullwidth("DANA") + "@example.COM"  # fullwidth letters
            conn.execute(insert, (variant, canonical_email(variant)))


INSERT_AT_0001 = (
    "INSERT INTO users (id, email, hashed_password) VALUES (gen_random_uuid(), %s, 'x')"
)


async def test_migration_0002_fills_canonical_emails_of_existing_accounts(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory.create()
    await upgrade(url, "0001")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(INSERT_AT_0001, (fullwidth("Erin") + "@Bücher.example",))
        conn.execute(INSERT_AT_0001, ("frank@example.com",))
    await upgrade(url)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT email, email_canonical, token_version, pending_email FROM users ORDER BY 2"
        ).fetchall()
    assert rows == [
        (fullwidth("Erin") + "@Bücher.example", "erin@xn--bcher-kva.example", 0, None),
        ("frank@example.com", "frank@example.com", 0, None),
    ]


async def test_migration_0002_names_accounts_that_become_duplicates_and_changes_nothing(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory.create()
    await upgrade(url, "0001")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(INSERT_AT_0001, ("gina@example.com",))
        conn.execute(
            INSERT_AT_0001, (fullwidth("gina") + "@example.com",)
        )  # unique under lower(), not NFKC
    with pytest.raises(
        RuntimeError, match="gina@example.com.*" + fullwidth("gina") + "@example.com"
    ):
        await upgrade(url)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]


async def test_models_match_the_migrated_schema(database_factory: DatabaseFactory) -> None:
    """Nothing for autogenerate to add: the ORM models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from parley_auth.models import Base
    from parley_testing import with_driver
    from sqlalchemy.ext.asyncio import create_async_engine

    url = database_factory.create()
    await upgrade(url)
    engine = create_async_engine(with_driver(url, "asyncpg"))
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_promote_makes_a_registered_account_superuser(
    make_auth: AuthFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with make_auth() as auth:
        bob, _ = await auth.user("bob@example.com")
        _, token = await auth.user("Admin@Example.com")
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            await auth.client.get(f"/auth/users/{bob['id']}", headers=headers)
        ).status_code == 403
        monkeypatch.setenv("DATABASE_URL", auth.database_url)
        # The CLI runs its own event loop, as it does from a shell.
        code = await asyncio.to_thread(main, ["users", "promote", "admin@example.com"])
        assert code == 0
        assert (
            await auth.client.get(f"/auth/users/{bob['id']}", headers=headers)
        ).status_code == 200
        missing = await asyncio.to_thread(main, ["users", "promote", "nobody@example.com"])
        assert missing == 1
        assert "no account" in capsys.readouterr().err
        revoked = await asyncio.to_thread(
            main, ["users", "promote", "--revoke", "admin@example.com"]
        )
        assert revoked == 0
        assert (
            await auth.client.get(f"/auth/users/{bob['id']}", headers=headers)
        ).status_code == 403


def test_serve_drains_on_sigterm_then_exits(database_url: str, key_file: Path) -> None:
    env = {
        **os.environ,
        "ENV": "development",
        "DATABASE_URL": database_url,
        "SIGNING_KEY_FILES": str(key_file),
        "PASSWORD_HASH_PROFILE": "fast",
        "SHUTDOWN_DRAIN_SECONDS": "4",
    }
    with serve_command("parley_auth", env, "/auth/readyz") as server:
        base = server.url
        jwks = httpx.get(f"{base}/auth/.well-known/jwks.json", headers={"X-Request-Id": "cli-1"})
        assert jwks.status_code == 200

        # SIGTERM: health checks fail at once so the gateway stops routing here, but requests
        # still arriving are served until the drain period ends; then the process exits.
        server.process.terminate()
        health = httpx.get(f"{base}/auth/healthz", timeout=2)
        assert health.status_code == 503 and health.json() == {"detail": "shutting down"}
        assert httpx.get(f"{base}/auth/readyz", timeout=2).status_code == 503
        registered = httpx.post(
            f"{base}/auth/register",
            json={"email": "late@example.com", "password": PASSWORD},
            timeout=10,
        )
        assert registered.status_code == 201
        assert server.process.wait(timeout=30) is not None
    server.assert_shut_down_gracefully()
    assert '"request_id": "cli-1"' in server.output
