"""Auth's account changes reach chat: old tokens refused, deleted users' chats gone, through
auth outages and chat restarts (the feed is a contract stand-in on a real socket)."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import psycopg
from parley_testing import LlmStub, free_port
from parley_testing import TestKey as Key

from .account_feed_standin import AccountFeedStandIn
from .conftest import Chat, Event, User, running_chat
from .feed_fixtures import (  # noqa: F401 (fixtures)
    auth_url_fixture,
    feed_fixture,
    following_chat,
    following_fixture,
)


async def eventually(check: Callable[[], Awaitable[bool] | bool], within: float = 5.0) -> None:
    """Wait until ``check`` holds (the follower polls every POLL seconds)."""
    for _ in range(int(within / 0.05)):
        result = check()
        if (await result) if inspect.isawaitable(result) else result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still not so after {within} s")


async def status_of(chat: Chat, user: User | str) -> httpx.Response:
    headers = user.headers if isinstance(user, User) else {"Authorization": f"Bearer {user}"}
    response: httpx.Response = await chat.http.get("/api/chats", headers=headers)
    return response


async def refused(chat: Chat, token: User | str) -> bool:
    return (await status_of(chat, token)).status_code == 401


def chats_in_database(db_url: str, user_id: str) -> tuple[int, int]:
    """The user's chats and runs as stored, straight from PostgreSQL."""
    with psycopg.connect(db_url) as conn:
        sessions = conn.execute(
            "SELECT count(*) FROM ai.agno_sessions WHERE user_id = %s", (user_id,)
        ).fetchone()
        runs = conn.execute(
            "SELECT count(*) FROM ai.agno_runs WHERE user_id = %s", (user_id,)
        ).fetchone()
    assert sessions is not None and runs is not None
    return int(sessions[0]), int(runs[0])


async def test_tokens_issued_before_a_version_bump_are_refused(
    chat: Chat, feed: AccountFeedStandIn
) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    assert (await status_of(chat, alice)).status_code == 200

    feed.change(alice.id, token_version=1)  # a password change, or "log out everywhere"
    await eventually(lambda: refused(chat, alice))

    answer = await status_of(chat, alice)
    assert answer.json() == {"detail": "token revoked"}
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    fresh = chat.signing_key.token(alice.id, token_version=1)
    assert (await status_of(chat, fresh)).status_code == 200
    assert (await status_of(chat, bob)).status_code == 200  # other users are not touched
    # A token from before the claim existed counts as version 0: refused as well.
    legacy = chat.signing_key.token(alice.id, token_version=None)
    assert (await status_of(chat, legacy)).json() == {"detail": "token revoked"}


async def test_a_token_version_that_is_not_a_number_is_refused(chat: Chat) -> None:
    for bad in ("1", True, -1, 1.5):
        token = chat.signing_key.token(str(uuid.uuid4()), token_version=bad)  # type: ignore[arg-type]
        answer = await status_of(chat, token)
        assert (answer.status_code, answer.json()) == (401, {"detail": "invalid token version"})


async def test_a_deleted_user_is_refused_and_their_chats_are_gone(
    chat: Chat, feed: AccountFeedStandIn, db_url: str
) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    for title in ("one", "two"):
        chat_id = (await chat.create_chat(alice, title))["id"]
        await chat.send(alice, chat_id, f"hello {title}")
    kept = (await chat.create_chat(bob, "bob's"))["id"]
    assert chats_in_database(db_url, alice.id) == (2, 2)

    feed.change(alice.id, token_version=3, deleted=True)
    await eventually(lambda: refused(chat, alice))

    assert (await status_of(chat, alice)).json() == {"detail": "account deleted"}
    # Even a token minted after the deletion: the account is gone for good.
    assert await refused(chat, chat.signing_key.token(alice.id, token_version=9))
    await eventually(lambda: chats_in_database(db_url, alice.id) == (0, 0))
    assert (await chat.get_chat(bob, kept))["title"] == "bob's"
    metrics = (await chat.http.get("/metrics")).text
    assert "parley_chat_account_chats_deleted_total 2.0" in metrics


async def test_a_deleted_users_reply_in_flight_is_cancelled(
    chat: Chat, feed: AccountFeedStandIn, stub: LlmStub, db_url: str
) -> None:
    alice = chat.user("alice")
    chat_id = (await chat.create_chat(alice))["id"]
    async with chat.stream(alice, chat_id, "long [stub:words=300] [stub:delay=20]") as events:
        await anext(events)
        await anext(events)
        feed.change(alice.id, deleted=True)
        rest = await asyncio.wait_for(_rest(events), timeout=10)
    assert rest[-1].event == "run.cancelled"
    await eventually(lambda: chats_in_database(db_url, alice.id) == (0, 0))
    stub.wait_idle()


async def test_many_changes_are_read_page_by_page(
    following: Callable[..., Any], feed: AccountFeedStandIn, signing_key: Key, db_url: str
) -> None:
    users = [str(uuid.uuid4()) for _ in range(2300)]  # three pages of at most 1000
    for user_id in users:
        feed.change(user_id, token_version=1)
    async with running_chat(following(), signing_key) as chat:
        # The start-up read went through every page before the first request.
        for user_id in (users[0], users[1500], users[-1]):
            assert await refused(chat, signing_key.token(user_id, token_version=0))
    assert len(feed.asked_since) >= 3
    assert feed.asked_since[0].startswith("1970-01-01")  # never synced: from the beginning
    assert len(set(feed.asked_since[:3])) == 3  # each page starts after the previous one
    with psycopg.connect(db_url) as conn:
        stored = conn.execute("SELECT count(*) FROM ai.parley_account_states").fetchone()
    assert stored == (2300,)


async def test_a_deletion_made_while_chat_was_down_is_applied_at_start(
    following: Callable[..., Any], feed: AccountFeedStandIn, signing_key: Key, db_url: str
) -> None:
    async with running_chat(following(), signing_key) as chat:
        alice, bob = chat.user("alice"), chat.user("bob")
        await chat.create_chat(alice, "kept until deleted")
        feed.change(bob.id, token_version=1)
        await eventually(lambda: refused(chat, bob))
    asked_before = len(feed.asked_since)

    feed.change(alice.id, deleted=True)  # while chat is down
    async with running_chat(following(), signing_key) as chat:
        # Applied by the start-up read, before the first request is served.
        assert chats_in_database(db_url, alice.id) == (0, 0)
        assert await refused(chat, alice.token)
    resumed_from = feed.asked_since[asked_before]
    assert not resumed_from.startswith("1970")  # from the stored cursor, not the beginning

    # Auth down at the next start: what chat stored still holds.
    feed.available = False
    async with running_chat(following(), signing_key) as chat:
        assert await refused(chat, bob.token)
        assert await refused(chat, alice.token)
        assert (await status_of(chat, chat.user("carol"))).status_code == 200


async def test_while_auth_is_unreachable_chat_serves_with_what_it_knows(
    chat: Chat, feed: AccountFeedStandIn
) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    feed.change(alice.id, token_version=1)
    await eventually(lambda: refused(chat, alice))
    ready = (await chat.http.get("/api/readyz")).json()
    assert ready["account_changes"] == "following"

    feed.available = False
    failures = "parley_chat_account_changes_failures_total"
    await eventually(lambda: _metric_above(chat, failures, 1))
    assert await refused(chat, alice)  # the known revocation holds
    assert (await status_of(chat, bob)).status_code == 200  # and everyone else is served
    assert (await chat.http.get("/api/readyz")).status_code == 200

    feed.available = True
    feed.change(bob.id, token_version=1)
    await eventually(lambda: refused(chat, bob))


async def test_chat_starts_and_serves_when_auth_never_answered(
    following: Callable[..., Any], signing_key: Key
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    async with running_chat(following(AUTH_URL=nobody), signing_key) as chat:
        assert (await status_of(chat, chat.user())).status_code == 200
        ready = await chat.http.get("/api/readyz")
        assert ready.status_code == 200
        assert ready.json()["account_changes"] == "starting"


async def test_without_auth_url_or_service_token_the_follower_is_off(
    make_settings: Any, signing_key: Key
) -> None:
    async with running_chat(make_settings(), signing_key) as chat:
        assert (await status_of(chat, chat.user())).status_code == 200
        ready = (await chat.http.get("/api/readyz")).json()
        assert (ready["account_changes"], ready["account_changes_seconds_since_sync"]) == (
            "off",
            None,
        )


async def _metric_above(chat: Chat, name: str, floor: float) -> bool:
    for line in (await chat.http.get("/metrics")).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1]) >= floor
    return False


async def _rest(events: AsyncIterator[Event]) -> list[Event]:
    return [event async for event in events]
