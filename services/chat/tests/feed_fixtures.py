"""Fixtures of a chat that follows the account-feed stand-in, for the modules that test the
feed; such a module imports them (they are named by ``name=``, so importing them shadows
nothing a test takes as an argument)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from parley_testing import TestKey as Key

from .account_feed_standin import SERVICE_TOKEN, AccountFeedStandIn, serve_feed
from .conftest import Chat, running_chat

POLL = 0.2  # seconds between polls in these tests (10 by default)


@pytest.fixture(name="feed")
def feed_fixture() -> AccountFeedStandIn:
    return AccountFeedStandIn()


@pytest.fixture(name="auth_url")
def auth_url_fixture(feed: AccountFeedStandIn) -> Iterator[str]:
    with serve_feed(feed) as url:
        yield url


@pytest.fixture(name="following")
def following_fixture(make_settings: Any, auth_url: str) -> Callable[..., Any]:
    """Settings of a chat that follows the stand-in feed."""

    def make(**overrides: Any) -> Any:
        values = {
            "AUTH_URL": auth_url,
            "SERVICE_TOKEN": SERVICE_TOKEN,
            "ACCOUNT_CHANGES_POLL_SECONDS": POLL,
        }
        return make_settings(**{**values, **overrides})

    return make


@pytest.fixture(name="chat")
async def following_chat(following: Callable[..., Any], signing_key: Key) -> AsyncIterator[Chat]:
    async with running_chat(following(), signing_key) as running:
        yield running
