"""History benchmarks: chat list with many and long chats, a 500-turn chat, chat length.

Data is seeded fast: one real chat is made through the API (so its rows are exactly what the
service writes), then cloned in SQL with fresh ids. Both systems use agno's tables in schema
``ai``, so the same statements seed Parley's database and the peer's.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import psycopg

from parley_bench.loadgen import (
    AgentOSTarget,
    ParleyTarget,
    Target,
    VirtualUser,
    percentiles,
)
from parley_bench.peer import AGENT_ID
from parley_bench.scenarios import Plan, minted_users
from parley_bench.stack import Stack

SESSIONS = "ai.agno_sessions"
RUNS = "ai.agno_runs"

# Copies of one session (and its runs) with ids derived from (original id, copy number).
_CLONE_SESSIONS = f"""
INSERT INTO {SESSIONS}
SELECT (jsonb_populate_record(NULL::{SESSIONS}, to_jsonb(s) || jsonb_build_object(
    'session_id', md5(s.session_id || ':' || g)::uuid::text,
    'created_at', s.created_at - g, 'updated_at', s.updated_at - g))).*
FROM {SESSIONS} s, generate_series(1, %(copies)s) g WHERE s.session_id = %(sid)s
"""  # noqa: S608 - constant table names
_CLONE_RUNS = f"""
INSERT INTO {RUNS}
SELECT (jsonb_populate_record(NULL::{RUNS}, to_jsonb(r) || jsonb_build_object(
    'run_id', md5(r.run_id || ':' || g)::uuid::text,
    'session_id', md5(r.session_id || ':' || g)::uuid::text))).*
FROM {RUNS} r, generate_series(1, %(copies)s) g WHERE r.session_id = %(sid)s
"""  # noqa: S608
# Make every session of a user ``factor`` times longer: repeat its runs after the last one.
_LENGTHEN = f"""
INSERT INTO {RUNS}
SELECT (jsonb_populate_record(NULL::{RUNS}, to_jsonb(r) || jsonb_build_object(
    'run_id', md5(r.run_id || ':x' || k)::uuid::text,
    'run_index', COALESCE(r.run_index, 0) + k * %(turns)s,
    'created_at', r.created_at + k))).*
FROM {RUNS} r JOIN {SESSIONS} s ON s.session_id = r.session_id,
     generate_series(1, %(extra)s) k
WHERE s.session_id IN (SELECT session_id FROM {SESSIONS} WHERE user_id = %(uid)s
                       ORDER BY updated_at DESC LIMIT %(chats)s)
"""  # noqa: S608


def _sql(url: str, statements: list[tuple[str, dict[str, Any]]]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement, params in statements:
            conn.execute(statement, params)  # type: ignore[arg-type]
        conn.execute(f"ANALYZE {SESSIONS}")
        conn.execute(f"ANALYZE {RUNS}")


async def _seed_chat(target: Target, url: str, user: VirtualUser, turns: int, prefix: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as http:
        chat_id = await target.new_chat(http, user)
        for turn in range(turns):
            _ttft, ok, _text, error = await target.turn(http, user, chat_id, f"{prefix} {turn}")
            if not ok:
                raise RuntimeError(f"seeding turn {turn} failed: {error}")
    return chat_id


async def _timed_gets(
    url: str, path: str, user: VirtualUser, samples: int, params: dict[str, Any] | None = None
) -> dict[str, float]:
    times: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as http:
        for i in range(samples + 5):
            start = time.perf_counter()
            response = await http.get(path, headers=user.headers, params=params)
            elapsed = (time.perf_counter() - start) * 1000
            response.raise_for_status()
            if i >= 5:  # the first few warm caches and connections
                times.append(elapsed)
    return percentiles(times)


async def history_section(stack: Stack, plan: Plan) -> dict[str, Any]:
    """``GET /api/chats`` vs AgentOS ``GET /sessions`` at N chats, then chats 10x longer."""
    assert stack.peer_url is not None
    parley_user = minted_users(stack, 1)[0]
    peer_user = minted_users(stack, 1, scopes=True)[0]
    copies = plan.history_chats - 1
    seeded: list[tuple[str, str]] = []
    for target, url, user, db in (
        (ParleyTarget(), stack.chat_urls[0], parley_user, stack.plan.chat_database_url),
        (AgentOSTarget(AGENT_ID), stack.peer_url, peer_user, stack.peer_database_url),
    ):
        sid = await _seed_chat(target, url, user, plan.history_turns, "history turn")
        await asyncio.to_thread(
            _sql,
            db,
            [
                (_CLONE_SESSIONS, {"copies": copies, "sid": sid}),
                (_CLONE_RUNS, {"copies": copies, "sid": sid}),
            ],
        )
        seeded.append((db, user.user_id))

    list_params = {"limit": 50}
    peer_params = {"type": "agent", "limit": 50, "page": 1, "sort_by": "updated_at"}
    result: dict[str, Any] = {
        "chats": plan.history_chats,
        "turns": plan.history_turns,
        "long_factor": plan.history_long_factor,
        "long_chats": plan.history_long_chats or plan.history_chats,
        "samples": plan.history_samples,
        "parley": {},
        "agentos": {},
    }
    result["parley"]["list_short"] = await _timed_gets(
        stack.gateway_url, "/api/chats", parley_user, plan.history_samples, list_params
    )
    result["agentos"]["list_short"] = await _timed_gets(
        stack.peer_url, "/sessions", peer_user, max(20, plan.history_samples // 4), peer_params
    )
    for db, uid in seeded:
        await asyncio.to_thread(
            _sql,
            db,
            [
                (
                    _LENGTHEN,
                    {
                        "turns": plan.history_turns,
                        "extra": plan.history_long_factor - 1,
                        "uid": uid,
                        "chats": plan.history_long_chats,
                    },
                )
            ],
        )
    result["parley"]["list_long"] = await _timed_gets(
        stack.gateway_url, "/api/chats", parley_user, plan.history_samples, list_params
    )
    result["agentos"]["list_long"] = await _timed_gets(
        stack.peer_url, "/sessions", peer_user, max(5, plan.history_samples // 20), peer_params
    )
    return result


async def chat_length_section(stack: Stack, plan: Plan, samples: int = 20) -> dict[str, Any]:
    """A turn in a chat with ``long_chat_turns`` turns vs in a new chat and in a chat just past
    the history window (20 turns), which tells chat length apart from the history window's own
    cost; reading the long chat."""
    user = minted_users(stack, 1)[0]
    target = ParleyTarget()
    url = stack.gateway_url
    seed_turns = 20
    sid = await _seed_chat(target, url, user, seed_turns, "length turn")
    extra = plan.long_chat_turns // seed_turns - 1
    await asyncio.to_thread(
        _sql,
        stack.plan.chat_database_url,
        [(_LENGTHEN, {"turns": seed_turns, "extra": extra, "uid": user.user_id, "chats": 1})],
    )
    # Made after the lengthening, which picks the user's most recently updated chat.
    window_sid = await _seed_chat(target, url, user, seed_turns, "window turn")
    detail = await _timed_gets(url, f"/api/chats/{sid}", user, samples)
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as http:
        stored_turns = await _count_turns(http, sid, user)

        kinds = ("new", "window", "long")
        series: dict[str, dict[str, list[float]]] = {k: {"ttft": [], "total": []} for k in kinds}
        # Alternate new chat / long chat so drift on a shared machine hits both alike. New
        # chats get a title, so no background title request overlaps the next measurement.
        for i in range(samples):
            for kind in kinds:
                if kind == "new":
                    chat_id = await _titled_chat(http, user)
                else:
                    chat_id = window_sid if kind == "window" else sid
                start = time.perf_counter()
                first, ok, _text, error = await target.turn(http, user, chat_id, f"probe {i}")
                if not ok:
                    raise RuntimeError(f"chat length probe failed: {error}")
                series[kind]["total"].append((time.perf_counter() - start) * 1000)
                if first is not None:
                    series[kind]["ttft"].append(first * 1000)
    return {
        "turns": stored_turns,
        "samples": samples,
        **{
            kind: {
                "ttft_ms": percentiles(series[kind]["ttft"]),
                "total_ms": percentiles(series[kind]["total"]),
            }
            for kind in kinds
        },
        "window_turns": seed_turns,
        "detail_ms": detail,
    }


async def _titled_chat(http: httpx.AsyncClient, user: VirtualUser) -> str:
    response = await http.post("/api/chats", json={"title": "probe"}, headers=user.headers)
    response.raise_for_status()
    chat_id: str = response.json()["id"]
    return chat_id


async def _count_turns(http: httpx.AsyncClient, chat_id: str, user: VirtualUser) -> int:
    """The chat's stored turns, read page by page as a client would (the detail is paged)."""
    turns = 0
    params: dict[str, Any] = {"limit": 200}
    while True:
        page = (await http.get(f"/api/chats/{chat_id}", params=params, headers=user.headers)).json()
        turns += len(page["messages"]) // 2
        if page["older_cursor"] is None:
            return turns
        params["before"] = page["older_cursor"]
