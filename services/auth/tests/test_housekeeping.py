"""Purging expired refresh tokens, idle throttle rows and expired invites (task and CLI)."""

from __future__ import annotations

import asyncio

import pytest
from parley_auth.cli import main

from .conftest import Auth, AuthFactory


def seed(auth: Auth, user_id: str) -> None:
    token = (
        "INSERT INTO refresh_tokens (id, token_hash, family_id, user_id, expires_at)"
        " VALUES (gen_random_uuid(), md5(random()::text), gen_random_uuid(), %s,"
        " now() + %s::interval)"
    )
    auth.sql(token, user_id, "-2 days")  # expired long ago: purged
    auth.sql(token, user_id, "-1 hour")  # just expired: kept a day for reuse detection
    throttle = (
        "INSERT INTO login_throttle (email_key, failures, last_failure_at, blocked_until)"
        " VALUES (%s, 3, now() - %s::interval, %s)"
    )
    auth.sql(throttle, "idle@example.com", "2 hours", None)  # window passed: purged
    auth.sql(throttle, "recent@example.com", "1 minute", None)  # still counting
    auth.sql(throttle, "blocked@example.com", "2 hours", "2999-01-01")  # still blocked
    invite = (
        "INSERT INTO invites (id, code_hash, max_uses, expires_at)"
        " VALUES (gen_random_uuid(), md5(random()::text), 1, now() + %s::interval)"
    )
    auth.sql(invite, "-1 minute")
    auth.sql(invite, "1 day")
    counter = (
        "INSERT INTO rate_limits (key, hits, window_ends_at) VALUES (%s, 1, now() + %s::interval)"
    )
    auth.sql(counter, "mail:old", "-1 minute")  # window over: purged
    auth.sql(counter, "mail:new", "1 hour")


# What a purge leaves: the token expired an hour ago, the throttle rows still counting or
# blocked, the live invite, the rate-limit counter whose window is open.
KEPT = (1, ["blocked@example.com", "recent@example.com"], 1, ["mail:new"])


def remaining(auth: Auth) -> tuple[int, list[str], int, list[str]]:
    [(tokens,)] = auth.sql("SELECT count(*) FROM refresh_tokens WHERE expires_at < now()")
    keys = [k for (k,) in auth.sql("SELECT email_key FROM login_throttle ORDER BY 1")]
    [(invites,)] = auth.sql("SELECT count(*) FROM invites")
    mail = "SELECT key FROM rate_limits WHERE starts_with(key, 'mail:')"
    counters = [k for (k,) in auth.sql(mail)]
    return tokens, keys, invites, counters


async def test_the_background_task_purges_at_start_and_then_periodically(
    make_auth: AuthFactory,
) -> None:
    async with make_auth(PURGE_INTERVAL_SECONDS=0.2) as auth:
        user = await auth.register("alice@example.com")
        seed(auth, user["id"])
        # The seed may land in the middle of a round: wait for a whole round after it.
        for _ in range(100):
            if remaining(auth) == KEPT:
                break
            await asyncio.sleep(0.05)
        assert remaining(auth) == KEPT
        # Live tokens are untouched.
        assert (await auth.login("alice@example.com")).status_code == 200


async def test_the_purge_command_reports_what_it_deleted(
    make_auth: AuthFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with make_auth(PURGE_INTERVAL_SECONDS=3600) as auth:
        user = await auth.register("alice@example.com")
        await asyncio.sleep(0.2)  # the start-up round has run on the empty tables
        seed(auth, user["id"])
        monkeypatch.setenv("DATABASE_URL", auth.database_url)
        assert await asyncio.to_thread(main, ["purge"]) == 0
        printed = capsys.readouterr().out
        assert "purged 1 refresh tokens, 1 throttle rows, 1 rate-limit rows, 1 invites" in printed
        assert remaining(auth) == KEPT
