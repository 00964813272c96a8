"""Per-account login throttling, stored in PostgreSQL so every replica sees the same counts."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.config import Settings
from parley_auth.emails import canonical_email
from parley_auth.models import LoginThrottle as Row

MAX_KEY_LENGTH = 320


def email_key(email: str) -> str:
    # Any string may arrive as a login name; the key column holds at most 320 characters.
    # Canonical, so variants of one address share one count.
    return canonical_email(email)[:MAX_KEY_LENGTH]


class LoginThrottle:
    """Counts failed logins per lower(email) and blocks for growing intervals past a limit.

    A window of failures ends after WINDOW seconds without a failure (or block). From the
    MAX_FAILURES-th failure on, each failure blocks for BASE * 2^(n - MAX_FAILURES) seconds,
    capped at MAX_SECONDS: an attacker is slowed to a crawl, a real user is never locked out.
    """

    def __init__(self, settings: Settings) -> None:
        self.max_failures = settings.LOGIN_THROTTLE_MAX_FAILURES
        self.window = timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
        self.base_seconds = settings.LOGIN_THROTTLE_BASE_SECONDS
        self.max_seconds = settings.LOGIN_THROTTLE_MAX_SECONDS

    async def retry_after(self, session: AsyncSession, email: str) -> int | None:
        """Seconds until ``email`` may try again, or None when it may try now."""
        remaining = await session.scalar(
            select(func.extract("epoch", Row.blocked_until - func.now())).where(
                Row.email_key == email_key(email), Row.blocked_until > func.now()
            )
        )
        return None if remaining is None else max(1, math.ceil(float(remaining)))

    async def record_failure(self, session: AsyncSession, email: str) -> None:
        """Count one failed login for ``email`` (known or not); commits."""
        key = email_key(email)
        await session.execute(
            insert(Row)
            .values(email_key=key, failures=0, last_failure_at=func.now())
            .on_conflict_do_nothing(index_elements=[Row.email_key])
        )
        # The row lock serialises concurrent failures for one email across replicas.
        row = (
            await session.execute(
                select(Row.failures, Row.last_failure_at, Row.blocked_until, func.now())
                .where(Row.email_key == key)
                .with_for_update()
            )
        ).one()
        failures, last_failure_at, blocked_until, now = row
        quiet_since: datetime = max(last_failure_at, blocked_until or last_failure_at)
        failures = 1 if quiet_since < now - self.window else failures + 1
        new_block = None
        if failures >= self.max_failures:
            exponent = min(failures - self.max_failures, 30)
            seconds = min(self.base_seconds * 2**exponent, self.max_seconds)
            new_block = now + timedelta(seconds=seconds)
        await session.execute(
            update(Row)
            .where(Row.email_key == key)
            .values(failures=failures, last_failure_at=now, blocked_until=new_block)
        )
        await session.commit()

    async def clear(self, session: AsyncSession, email: str) -> None:
        """Forget the failures of ``email`` (successful login or password reset); commits."""
        await session.execute(delete(Row).where(Row.email_key == email_key(email)))
        await session.commit()
