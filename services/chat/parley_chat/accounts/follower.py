"""Follows auth's account-changes feed into memory (for the token check) and chat's database.

Every ``ACCOUNT_CHANGES_POLL_SECONDS`` it reads the changes since the last read minus an
overlap (a change committed late is still seen; applying one twice is harmless), paging while
the feed has more. A deleted user's chats are deleted here, by every replica (idempotent).

When auth cannot be reached, chat keeps serving with what it knows: refusing every user
because the feed is late would turn an auth outage into a chat outage. The failure is logged
once per outage, counted, and shown by the age metric and ``/api/readyz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, NamedTuple

import structlog

from parley_chat.accounts.feed import AccountChange, AccountFeed, FeedUnavailable, rfc3339
from parley_chat.accounts.states import AccountState, AccountStates
from parley_chat.observability import Metrics
from parley_chat.storage import AccountQueries, ChangeRow, StoredAccount

log = structlog.get_logger("parley_chat.accounts")

# The feed's contract: poll from the previous answer's `now` minus this.
OVERLAP = timedelta(seconds=10)
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
# A change takes effect within this: past it without a full read, the follower is "behind".
PROMISED_SECONDS = 60.0
# Start-up waits this long for a first read (deletions made while chat was down), no longer:
# auth may be down or start after chat.
START_SYNC_SECONDS = 5.0

FollowerState = Literal["off", "starting", "following", "behind"]


class FollowerStatus(NamedTuple):
    state: FollowerState
    seconds_since_sync: float | None  # since the last full read (None: never, or off)


class AccountFollower:
    """Keeps :class:`AccountStates` and chat's account tables in step with auth's feed."""

    def __init__(
        self,
        *,
        feed: AccountFeed | None,
        queries: AccountQueries,
        states: AccountStates,
        metrics: Metrics,
        poll_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.feed = feed
        self.queries = queries
        self.states = states
        self.metrics = metrics
        self.poll_seconds = poll_seconds
        self._clock = clock
        self._started_at = clock()
        self._loaded = False
        self._since: datetime | None = None
        self._last_sync: float | None = None
        self._failing = False
        self._behind_logged = False
        self._task: asyncio.Task[None] | None = None
        if feed is None:
            metrics.account_changes_age.set(-1)
        else:
            metrics.account_changes_age.set_function(self._age)

    async def start(self) -> None:
        """Load what the database holds, read the feed once (briefly), then poll in the
        background. Off (feed None): nothing is refused by version, only logged here."""
        if self.feed is None:
            return
        self._started_at = self._clock()
        try:
            async with asyncio.timeout(START_SYNC_SECONDS):
                await self.poll()
        except TimeoutError:
            log.warning("account_changes_start_sync_slow", seconds=START_SYNC_SECONDS)
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def status(self) -> FollowerStatus:
        if self.feed is None:
            return FollowerStatus("off", None)
        age = self._age()
        if age > PROMISED_SECONDS:
            state: FollowerState = "behind"
        else:
            state = "following" if self._last_sync is not None else "starting"
        return FollowerStatus(state, None if self._last_sync is None else round(age, 1))

    async def poll(self) -> bool:
        """Read the feed up to now and apply it; False (logged, counted) when that failed."""
        try:
            if not self._loaded:
                await self._load()
            await self._read_feed()
        except Exception as exc:
            self._failed(exc)
            return False
        self._succeeded()
        return True

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            await self.poll()

    async def _load(self) -> None:
        stored = await self.queries.load()
        self.states.apply_all((a.user_id, _state(a)) for a in stored.accounts)
        self._since = stored.since
        self._loaded = True
        self.metrics.accounts_known.set(len(self.states))

    async def _read_feed(self) -> None:
        assert self.feed is not None
        since = self._since or BEGINNING
        first_now: datetime | None = None
        while True:
            page = await self.feed.page(since)
            first_now = first_now or page.now
            await self._apply(page.changes)
            if not (page.more and page.changes):
                break
            last = page.changes[-1].changed_at
            if last <= since:
                # A full page of one instant: asking again would return the same page.
                log.warning("account_changes_page_without_progress", since=rfc3339(since))
                break
            since = last
            await self.queries.save_since(since)  # a restart in a long backlog resumes here
        # Everything committed before the first page was read is behind us (minus the overlap).
        self._since = first_now - OVERLAP
        await self.queries.save_since(self._since)

    async def _apply(self, changes: Sequence[AccountChange]) -> None:
        if not changes:
            return
        deleted: list[str] = []
        for change in changes:
            # Memory first: the user's tokens are refused before their chats are gone.
            merged = self.states.apply(change.user_id, change.state())
            if merged.deleted:
                deleted.append(change.user_id)
        rows = [
            ChangeRow(
                user_id=c.user_id,
                token_version=c.token_version,
                deleted=c.deleted,
                role=c.role,
                groups=c.groups,
                active=c.active,
                changed_at=c.changed_at,
            )
            for c in changes
        ]
        applied = await self.queries.apply(rows, deleted)
        self.metrics.accounts_known.set(len(self.states))
        if applied.chats_deleted or applied.runs_cancelled:
            self.metrics.account_chats_deleted.inc(applied.chats_deleted)
            log.info(
                "account_chats_deleted",
                users=len(deleted),
                chats=applied.chats_deleted,
                runs_cancelled=applied.runs_cancelled,
            )

    def _age(self) -> float:
        since = self._started_at if self._last_sync is None else self._last_sync
        return self._clock() - since

    def _failed(self, exc: Exception) -> None:
        self.metrics.account_changes_failures.inc()
        reason = str(exc) if isinstance(exc, FeedUnavailable) else type(exc).__name__
        if not self._failing:
            # Once per outage: a down auth would otherwise log every few seconds.
            self._failing = True
            log.warning(
                "account_changes_unavailable",
                error=reason,
                url=self.feed.url if self.feed else None,
                serving_with_known_accounts=len(self.states),
            )
        if self._age() > PROMISED_SECONDS and not self._behind_logged:
            self._behind_logged = True
            log.error("account_changes_behind", seconds_since_sync=round(self._age(), 1))

    def _succeeded(self) -> None:
        if self._failing:
            log.info("account_changes_recovered", seconds_since_sync=round(self._age(), 1))
        self._failing = False
        self._behind_logged = False
        self._last_sync = self._clock()


def _state(stored: StoredAccount) -> AccountState:
    return AccountState(
        token_version=stored.token_version,
        deleted=stored.deleted,
        role=stored.role,
        groups=None if stored.groups is None else frozenset(stored.groups),
        active=stored.active,
        changed_at=stored.changed_at.timestamp(),
    )
