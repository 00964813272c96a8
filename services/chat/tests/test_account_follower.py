"""The follower's own state as an operator sees it: following, then behind once auth has been
unreachable past the promised 60 s, and caught up when auth answers again (a clock the test
moves; the feed is the contract stand-in, the database real)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from parley_chat.accounts import AccountFeed, AccountFollower, AccountStates
from parley_chat.config import Settings
from parley_chat.observability import Metrics
from parley_chat.storage import AccountQueries, create_engine

from .account_feed_standin import SERVICE_TOKEN, AccountFeedStandIn, serve_feed


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def queries(db_url: str) -> AsyncIterator[AccountQueries]:
    engine = create_engine(Settings(DATABASE_URL=db_url))
    try:
        yield AccountQueries(engine, "ai")
    finally:
        await engine.dispose()


async def test_the_follower_reports_behind_past_sixty_seconds_and_catches_up(
    queries: AccountQueries,
) -> None:
    feed = AccountFeedStandIn()
    clock = Clock()
    metrics = Metrics()
    states = AccountStates()
    with serve_feed(feed) as url:
        async with httpx.AsyncClient(timeout=5.0) as http:
            follower = AccountFollower(
                feed=AccountFeed(url, SERVICE_TOKEN, http),
                queries=queries,
                states=states,
                metrics=metrics,
                poll_seconds=10,
                clock=clock,
            )
            assert follower.status().state == "starting"
            feed.change("alice", token_version=2)
            assert await follower.poll()
            assert follower.status() == ("following", 0.0)
            assert states.refusal("alice", 1) == "token revoked"

            feed.available = False
            clock.now += 30
            assert not await follower.poll()
            assert follower.status() == ("following", 30.0)
            clock.now += 31
            assert not await follower.poll()
            assert follower.status() == ("behind", 61.0)
            assert states.refusal("alice", 1) == "token revoked"  # still known meanwhile
            sample = metrics.registry.get_sample_value
            assert sample("parley_chat_account_changes_failures_total") == 2
            assert sample("parley_chat_account_changes_age_seconds") == 61.0

            feed.available = True
            assert await follower.poll()
            assert follower.status() == ("following", 0.0)


async def test_a_wrong_service_token_is_a_failure_not_an_empty_feed(
    queries: AccountQueries,
) -> None:
    feed = AccountFeedStandIn()
    feed.change("alice", token_version=1)
    with serve_feed(feed) as url:
        async with httpx.AsyncClient(timeout=5.0) as http:
            follower = AccountFollower(
                feed=AccountFeed(url, "not-the-shared-token", http),
                queries=queries,
                states=AccountStates(),
                metrics=Metrics(),
                poll_seconds=10,
            )
            assert not await follower.poll()
            assert follower.states.refusal("alice", 0) is None
            assert feed.asked_since == []  # refused before reading
