"""Operating the service: health, readiness, CORS, request ids, metrics."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

import httpx
import psycopg
import pytest
import structlog
from parley_chat.app import create_app
from parley_chat.observability import configure_logging
from parley_testing import TestKey as Key
from parley_testing import assert_internal_error, broken_route, json_lines, serve_asgi

from .conftest import Chat, running_chat


async def test_health_endpoints(chat: Chat) -> None:
    assert (await chat.http.get("/api/healthz")).json() == {"status": "ok"}
    assert (await chat.http.get("/api/readyz")).status_code == 200


async def test_readyz_is_503_when_the_database_is_gone(
    make_settings: Any, signing_key: Key
) -> None:
    settings = make_settings(DATABASE_URL="postgresql://nobody:nothing@127.0.0.1:9/none")
    async with running_chat(settings, signing_key) as chat:
        response = await chat.http.get("/api/readyz")
        assert response.status_code == 503
        assert response.json() == {"detail": "database unavailable"}
        listed = await chat.http.get("/api/chats", headers=chat.user().headers)
        assert listed.status_code == 503


async def test_cors_is_closed_unless_configured(
    chat: Chat, make_settings: Any, signing_key: Key
) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    response = await chat.http.options("/api/chats", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    settings = make_settings(CORS_ORIGINS="https://app.example")
    async with running_chat(settings, signing_key) as open_chat:
        allowed = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
        response = await open_chat.http.options("/api/chats", headers=allowed)
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        denied = await open_chat.http.options("/api/chats", headers=preflight)
        assert "access-control-allow-origin" not in denied.headers


async def test_request_id_is_echoed(chat: Chat) -> None:
    response = await chat.http.get("/api/healthz", headers={"X-Request-Id": "req-123"})
    assert response.headers["x-request-id"] == "req-123"
    generated = await chat.http.get("/api/healthz")
    assert len(generated.headers["x-request-id"]) == 32


async def test_an_unexpected_error_is_a_json_500_that_carries_the_request_id(
    make_settings: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    # The operator matches what a user reports (the response's id) with the error's log line.
    app = create_app(make_settings())
    app.add_api_route("/api/broken", broken_route)
    with serve_asgi(app) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            response = await http.get("/api/broken", headers={"X-Request-Id": "req-bug-1"})
    assert_internal_error(
        response, capfd.readouterr().out, detail="internal error", request_id="req-bug-1"
    )


def test_console_logs_show_tracebacks_without_local_variables(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", json_logs=False)
    try:
        token = "Bearer do-not-log"
        raise RuntimeError(f"bug near {token}")
    except RuntimeError:
        structlog.get_logger("test").exception("unhandled_error")
    finally:
        configure_logging("INFO", json_logs=True)
    out = capsys.readouterr().out
    assert "test_console_logs_show_tracebacks_without_local_variables" in out
    assert "RuntimeError" in out and "do-not-log" not in out


async def test_metrics_are_exposed(chat: Chat) -> None:
    await chat.http.get("/api/healthz")
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    await chat.send(alice, chat_id, "count me")
    posted = 'method="POST",route="/api/chats/{chat_id}/messages",status="200"'
    # A request is counted when the server is done with it, which can be just after the client
    # has read the stream's last byte: look again for a little while.
    deadline = time.monotonic() + 5
    while True:
        body = (await chat.http.get("/metrics")).text
        if posted in body or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.02)
    assert 'parley_chat_http_requests_total{method="GET",route="/api/healthz",status="200"}' in body
    assert f"parley_chat_http_requests_total{{{posted}}} 1.0" in body
    assert "parley_chat_runs_started_total 1.0" in body
    assert "parley_chat_runs_completed_total 1.0" in body
    assert "parley_chat_time_to_first_token_seconds_count 1.0" in body
    assert "parley_chat_open_streams 0.0" in body
    assert "parley_chat_runs_active 0.0" in body


async def test_readyz_is_503_until_the_database_is_migrated(
    make_settings: Any, signing_key: Key, database_factory: Any
) -> None:
    settings = make_settings(DATABASE_URL=database_factory.create())
    async with running_chat(settings, signing_key) as chat:
        response = await chat.http.get("/api/readyz")
        assert response.status_code == 503
        assert "parley-chat migrate" in response.json()["detail"]
    async with running_chat(
        settings.model_copy(update={"MIGRATE_ON_START": True}), signing_key
    ) as chat:
        assert (await chat.http.get("/api/readyz")).status_code == 200
        created = await chat.http.post("/api/chats", json={}, headers=chat.user().headers)
        assert created.status_code == 201


def test_agno_telemetry_is_off_even_if_the_environment_asks_for_it() -> None:
    # agno re-reads AGNO_TELEMETRY on every run and it overrides Agent(telemetry=False).
    probe = (
        "import parley_chat.runs, os\n"
        "from agno.agent import Agent, _init\n"
        "agent = Agent(telemetry=False)\n"
        "_init.set_telemetry(agent)\n"
        "print(os.environ['AGNO_TELEMETRY'], agent.telemetry)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "AGNO_TELEMETRY": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["false", "False"]


async def test_health_checks_are_counted_but_not_logged(
    chat: Chat, capsys: pytest.CaptureFixture[str]
) -> None:
    # The gateway checks /api/healthz every 2 s: a log line each would drown the rest.
    await chat.http.get("/api/healthz", headers={"X-Request-Id": "probe-1"})
    await chat.http.get("/api/readyz", headers={"X-Request-Id": "ready-1"})
    # The server thread writes its access line just after the response: wait for it.
    out = ""
    for _ in range(100):
        out += capsys.readouterr().out
        if "ready-1" in out:
            break
        await asyncio.sleep(0.02)
    ids = [line.get("request_id") for line in json_lines(out)]
    assert "ready-1" in ids and "probe-1" not in ids
    body = (await chat.http.get("/metrics")).text
    assert 'parley_chat_http_requests_total{method="GET",route="/api/healthz",status="200"}' in body


async def _wait_for_a_lock_waiter(conn: psycopg.AsyncConnection[Any]) -> None:
    for _ in range(500):
        cursor = await conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = await cursor.fetchone()
        if row and row[0]:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no request ever waited on the lock")


async def test_exhausted_connection_pool_is_a_quick_503_with_retry_after(
    make_settings: Any, signing_key: Key, db_url: str
) -> None:
    settings = make_settings(DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0, DB_POOL_TIMEOUT_SECONDS=0.3)
    async with running_chat(settings, signing_key) as chat:
        alice = chat.user()
        await chat.create_chat(alice)
        # Another client locks the chats table: the first list request waits on the lock
        # holding the process's only connection; the next one finds the pool empty.
        async with await psycopg.AsyncConnection.connect(db_url) as locker:
            await locker.execute("LOCK TABLE ai.agno_sessions IN ACCESS EXCLUSIVE MODE")
            blocked = asyncio.create_task(chat.http.get("/api/chats", headers=alice.headers))
            await _wait_for_a_lock_waiter(locker)
            busy = await chat.http.get("/api/chats", headers=alice.headers)
            await locker.rollback()
        assert busy.status_code == 503
        assert busy.json() == {"detail": "service busy, retry shortly"}
        assert busy.headers["retry-after"] == "1"
        assert (await blocked).status_code == 200
        assert (await chat.http.get("/api/chats", headers=alice.headers)).status_code == 200
