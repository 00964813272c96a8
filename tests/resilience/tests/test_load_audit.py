"""Many users at once through the gateway; afterwards every turn is stored exactly once, in the
right user's chat, with no trace of any other user."""

from __future__ import annotations

import re
import warnings

import httpx
import psycopg
import pytest
from parley_bench.loadgen import message_for, run_load
from parley_bench.stack import Stack
from parley_resilience import ResumingParleyTarget, make_users, soak

pytestmark = pytest.mark.timeout(1200 if soak() else 300)
USER_MARK = re.compile(r"user (\d+) turn (\d+)")


async def test_concurrent_users_find_exactly_their_own_turns(
    stack: Stack, gateway: httpx.AsyncClient
) -> None:
    users_count, turns = (200, 30) if soak() else (100, 10)
    users = await make_users(gateway, users_count)

    # Read like the web client reads: a stream cut mid-reply is resumed with Last-Event-ID.
    target = ResumingParleyTarget()
    result = await run_load(target, stack.gateway_url, users, turns, request_timeout=60)
    if target.resumed:
        # Traefik over HTTP/1.1 sometimes cuts a POST's streamed response just after it starts
        # (Go's HTTP/1 server drops the request body once response headers are out, and the
        # proxy then closes the upstream connection: traefik/traefik#11767). The reply still
        # completes for the user, who resumes as the web client does, so it is reported here.
        warnings.warn(
            f"{len(target.resumed)} stream(s) resumed: {target.resumed[:3]}", stacklevel=1
        )

    failures = [t.error for t in result.turns if not t.ok] + result.setup_errors
    assert failures == [], failures[:5]
    assert len(result.turns) == users_count * turns

    for index, user in enumerate(users):
        listed = await gateway.get("/api/chats", headers=user.headers)
        assert listed.status_code == 200, listed.text
        chats = listed.json()["items"]
        assert len(chats) == 1, f"user {index} sees {len(chats)} chats"
        detail = await gateway.get(f"/api/chats/{chats[0]['id']}", headers=user.headers)
        assert detail.status_code == 200, detail.text
        messages = detail.json()["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant"] * turns
        assert [m["content"] for m in messages[::2]] == [
            message_for(index, t) for t in range(turns)
        ]
        for turn, reply in enumerate(messages[1::2]):
            assert reply["status"] == "completed"
            assert reply["content"].startswith(f"Stub reply to: {message_for(index, turn)}")
        title = chats[0]["title"] or ""
        for text in [m["content"] for m in messages] + [title]:
            for mark in USER_MARK.finditer(text):
                assert int(mark.group(1)) == index, f"user {index} sees {mark.group(0)!r}"

    # The same, straight from the database: one run per turn, each under its chat's owner.
    ids = {u.user_id for u in users}
    with psycopg.connect(stack.plan.chat_database_url) as conn:
        rows = conn.execute(
            "SELECT s.user_id, r.user_id, count(*), count(DISTINCT r.run_id) "
            "FROM ai.agno_runs r JOIN ai.agno_sessions s ON s.session_id = r.session_id "
            "WHERE s.user_id = ANY(%s) AND r.parent_run_id IS NULL GROUP BY s.user_id, r.user_id",
            (list(ids),),
        ).fetchall()
    assert {row[0] for row in rows} == ids
    for owner, run_user, count, distinct in rows:
        assert run_user == owner
        assert count == distinct == turns
