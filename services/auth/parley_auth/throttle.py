"""Login throttling in PostgreSQL (every replica sees the same counts): per account, and per
known device so that failures from elsewhere never lock the owner out of their own browser."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Column, Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import models
from parley_auth.config import Settings
from parley_auth.emails import canonical_email

MAX_KEY_LENGTH = 320
# A row quiet this long is past any window and block worth keeping (the defaults are 15 min
# and 1 h); the purge leaves younger rows to the window logic.
STALE_AFTER = timedelta(days=1)

ACCOUNTS: Table = models.LoginThrottle.__table__  # type: ignore[assignment]
DEVICES: Table = models.LoginDeviceThrottle.__table__  # type: ignore[assignment]


def email_key(email: str) -> str:
    """The one account key of a login name: throttle rows and device cookies are bound to it."""
    # Any string may arrive as a login name; the key column holds at most 320 characters.
    # Canonical, so variants of one address share one count.
    return canonical_email(email)[:MAX_KEY_LENGTH]


class Counter(NamedTuple):
    """Which row counts an attempt: the account's, or one known device's."""

    table: Table
    key: str

    @property
    def is_device(self) -> bool:
        return self.table is DEVICES


def account_counter(email: str) -> Counter:
    return Counter(ACCOUNTS, email_key(email))


def device_counter(device_id: str) -> Counter:
    return Counter(DEVICES, device_id)


class LoginThrottle:
    """Counts login attempts before the password is checked and blocks for growing intervals.

    ``reserve`` counts an attempt under the row lock before any hashing, so N concurrent guesses
    get at most MAX_FAILURES password checks; a success then clears the count, a failure keeps
    it. A window ends after WINDOW seconds without an attempt (or block). From the
    MAX_FAILURES-th attempt on, each one blocks for BASE * 2^(n - MAX_FAILURES) seconds, capped
    at MAX_SECONDS: an attacker is slowed to a crawl, a real user is never locked out for good.
    """

    def __init__(self, settings: Settings) -> None:
        self.max_failures = settings.LOGIN_THROTTLE_MAX_FAILURES
        self.window = timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
        self.base_seconds = settings.LOGIN_THROTTLE_BASE_SECONDS
        self.max_seconds = settings.LOGIN_THROTTLE_MAX_SECONDS

    async def reserve(self, session: AsyncSession, counter: Counter) -> int | None:
        """Count one attempt on ``counter``, or the seconds to wait when blocked; commits."""
        table, key_column = counter.table, _key_column(counter.table)
        await session.execute(
            insert(table)
            .values({key_column.name: counter.key, "failures": 0, "last_failure_at": func.now()})
            .on_conflict_do_nothing(index_elements=[key_column])
        )
        # The row lock serialises concurrent attempts on one counter across replicas: each sees
        # the counts of those before it, so the block starts no later than the limit.
        row = (
            await session.execute(
                select(
                    table.c.failures,
                    table.c.last_failure_at,
                    table.c.blocked_until,
                    func.now().label("now"),
                )
                .where(key_column == counter.key)
                .with_for_update()
            )
        ).one()
        failures: int = row.failures
        last_failure_at: datetime = row.last_failure_at
        blocked_until: datetime | None = row.blocked_until
        now: datetime = row.now
        if blocked_until is not None and blocked_until > now:
            await session.commit()
            return max(1, math.ceil((blocked_until - now).total_seconds()))
        quiet_since: datetime = max(last_failure_at, blocked_until or last_failure_at)
        failures = 1 if quiet_since < now - self.window else failures + 1
        await session.execute(
            update(table)
            .where(key_column == counter.key)
            .values(
                failures=failures, last_failure_at=now, blocked_until=self._block(failures, now)
            )
        )
        await session.commit()
        return None

    def _block(self, failures: int, now: datetime) -> datetime | None:
        if failures < self.max_failures:
            return None
        exponent = min(failures - self.max_failures, 30)
        return now + timedelta(seconds=min(self.base_seconds * 2**exponent, self.max_seconds))

    async def succeeded(self, session: AsyncSession, counter: Counter) -> None:
        """The reserved attempt was the right password: its counter starts again; commits."""
        key_column = _key_column(counter.table)
        await session.execute(delete(counter.table).where(key_column == counter.key))
        await session.commit()

    async def clear(self, session: AsyncSession, email: str) -> None:
        """Forget the account-wide failures of ``email`` (password reset); commits."""
        await self.succeeded(session, account_counter(email))


def _key_column(table: Table) -> Column[Any]:
    return table.c.device_id if table is DEVICES else table.c.email_key


async def purge_stale(session: AsyncSession, quiet_for: timedelta = STALE_AFTER) -> int:
    """Delete throttle rows (accounts and devices) quiet for ``quiet_for``; commits."""
    purged = 0
    for table in (ACCOUNTS, DEVICES):
        quiet_since = func.greatest(table.c.last_failure_at, table.c.blocked_until)
        result = await session.execute(
            delete(table).where(quiet_since < func.now() - quiet_for).returning(_key_column(table))
        )
        purged += len(result.all())
    await session.commit()
    return purged
