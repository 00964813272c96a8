"""``parley-chat migrate`` and ``parley-chat serve`` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
from parley_chat.config import DEV_DATABASE_URL
from parley_testing import DatabaseFactory, LlmStub, serve_command
from parley_testing import TestKey as Key


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "LLM_"))}
    env.update(values)
    return env


def test_migrate_creates_tables_and_is_idempotent(database_factory: DatabaseFactory) -> None:
    url = database_factory.create()
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "parley_chat", "migrate"],
            env=_env(DATABASE_URL=url),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    with psycopg.connect(url) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ai'"
            )
        }
        indexes = {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes")}
    assert {"agno_sessions", "agno_runs", "parley_run_leases"} <= tables
    assert "parley_sessions_user_updated" in indexes


def test_serve_answers_and_streams(
    database_factory: DatabaseFactory,
    template_db: str,
    keys_file: Path,
    signing_key: Key,
    stub: LlmStub,
) -> None:
    url = database_factory.create(template=template_db)
    env = _env(
        DATABASE_URL=url,
        AUTH_PUBLIC_KEYS_FILE=str(keys_file),
        LLM_BASE_URL=stub.base_url,
        ENV="production",
        # Production needs the account-changes feed configured; nobody answers at this address.
        AUTH_URL="http://127.0.0.1:9",
        SERVICE_TOKEN="t" * 32,
        SHUTDOWN_DRAIN_SECONDS="4",
    )
    with serve_command("parley_chat", env, "/api/readyz") as server:
        base = server.url
        headers = {"Authorization": f"Bearer {signing_key.token()}", "X-Request-Id": "cli-test"}
        chat = httpx.post(f"{base}/api/chats", json={}, headers=headers).json()
        reply = httpx.post(
            f"{base}/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=headers
        )
        assert reply.status_code == 200
        assert "event: run.completed" in reply.text

        # SIGTERM: health checks fail at once so the gateway stops routing here, but requests
        # still arriving are served until the drain period ends; then the process exits.
        server.process.terminate()
        assert httpx.get(f"{base}/api/healthz", timeout=2).status_code == 503
        assert httpx.get(f"{base}/api/chats", headers=headers, timeout=2).status_code == 200
        assert server.process.wait(timeout=30) is not None
    server.assert_shut_down_gracefully()
    # JSON log lines carry the request id.
    assert '"request_id": "cli-test"' in server.output


def test_serve_refuses_production_settings_naming_each_one() -> None:
    # Before anything listens: an operator sees every unfit setting at once, and exit code 2.
    done = subprocess.run(
        [sys.executable, "-m", "parley_chat", "serve", "--port", "1"],
        env=_env(ENV="production", DATABASE_URL=DEV_DATABASE_URL, CORS_ORIGINS="*"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("parley-chat: refusing to start in production")
    for named in ("AUTH_PUBLIC_KEYS_FILE", "DATABASE_URL", "CORS_ORIGINS"):
        assert named in done.stderr
