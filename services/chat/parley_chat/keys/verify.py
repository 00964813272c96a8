"""Checks a request's API key: one indexed lookup of its hash, then what auth's feed says of
its owner (no call to auth)."""

from __future__ import annotations

from datetime import UTC, datetime

from parley_chat.accounts import AccountStates
from parley_chat.accounts.states import ACCOUNT_DEACTIVATED, ACCOUNT_DELETED
from parley_chat.keys.last_use import LastUseFlusher
from parley_chat.keys.secret import hash_key, well_formed
from parley_chat.storage import ApiKeyQueries
from parley_chat.tokens import Principal

INVALID_API_KEY = "invalid_api_key"


class KeyRefused(Exception):
    """The key is unknown, revoked or expired, or its owner may no longer sign in; the message
    is safe to show."""


class KeyVerifier:
    """A valid key -> the :class:`Principal` of its owner with ``api_key_id`` set."""

    def __init__(
        self, queries: ApiKeyQueries, accounts: AccountStates, last_use: LastUseFlusher
    ) -> None:
        self.queries = queries
        self.accounts = accounts
        self.last_use = last_use

    async def verify(self, key: str) -> Principal:
        # No cache: a revocation on any replica must hold at once, and the lookup is one
        # primary-key-sized index probe.
        if not well_formed(key):
            raise KeyRefused(INVALID_API_KEY)
        found = await self.queries.find(hash_key(key))
        if found is None or found.revoked_at is not None:
            raise KeyRefused(INVALID_API_KEY)
        if found.expires_at is not None and found.expires_at <= datetime.now(UTC):
            raise KeyRefused(INVALID_API_KEY)
        state = self.accounts.get(found.user_id)
        # A password change or "log out everywhere" leaves keys alone (revoke them for that);
        # a deleted or deactivated owner's keys stop within one poll of the feed.
        if state is not None and state.deleted:
            raise KeyRefused(ACCOUNT_DELETED)
        if state is not None and not state.active:
            raise KeyRefused(ACCOUNT_DEACTIVATED)
        self.last_use.used(found.id)
        return Principal(found.user_id, {}, state, api_key_id=found.id)
