"""Purging what no longer counts: expired refresh tokens, idle throttle and rate-limit rows,
expired invites, audit events past AUDIT_RETENTION_DAYS.

Every replica runs ``purge_forever``; a transaction-level advisory lock lets one of them do
each round's work while the others skip it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_auth import rate_limits, throttle
from parley_auth.audit_log import purge_old_events
from parley_auth.config import Settings
from parley_auth.db import create_engine, create_sessionmaker
from parley_auth.models import Invite, RefreshToken

log = structlog.get_logger(__name__)

# Arbitrary, fixed: the advisory lock id of the purge ("PARLEYP" in ASCII).
PURGE_LOCK_ID = 0x504152_4C455950
# Expired refresh tokens stay a day, so a reused one is still recognised (and logged) for a while.
REFRESH_TOKEN_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    ran: bool  # False: another replica held the lock
    refresh_tokens: int = 0
    throttle_rows: int = 0
    rate_limit_rows: int = 0
    invites: int = 0
    audit_events: int = 0


@dataclass(frozen=True)
class Retention:
    """How long each kind of row is kept."""

    throttle_window: timedelta
    audit: timedelta | None  # None: audit events are kept forever

    @classmethod
    def of(cls, settings: Settings) -> Retention:
        days = settings.AUDIT_RETENTION_DAYS
        return cls(
            throttle_window=timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS),
            audit=timedelta(days=days) if days > 0 else None,
        )


async def purge(session: AsyncSession, retention: Retention) -> Purged:
    """One round of deletions, unless another replica is doing it; commits."""
    locked = await session.scalar(select(func.pg_try_advisory_xact_lock(PURGE_LOCK_ID)))
    if not locked:
        await session.commit()
        return Purged(ran=False)
    tokens = await session.execute(
        delete(RefreshToken)
        .where(RefreshToken.expires_at < func.now() - REFRESH_TOKEN_KEEP)
        .returning(RefreshToken.id)
    )
    invites = await session.execute(
        delete(Invite).where(Invite.expires_at < func.now()).returning(Invite.id)
    )
    refresh_tokens, expired_invites = len(tokens.all()), len(invites.all())
    # Inside the locked transaction: the purge's permission to delete is LOCAL to it.
    old_events = (
        await purge_old_events(session, retention.audit) if retention.audit is not None else 0
    )
    # Committing ends the lock; what follows is idempotent if another replica overlaps.
    await session.commit()
    purged = Purged(
        ran=True,
        refresh_tokens=refresh_tokens,
        throttle_rows=await throttle.purge_stale(session, quiet_for=retention.throttle_window),
        rate_limit_rows=await rate_limits.purge_stale(session),
        invites=expired_invites,
        audit_events=old_events,
    )
    return purged


async def purge_forever(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """The lifespan task: a purge now, then every PURGE_INTERVAL_SECONDS, until cancelled."""
    retention = Retention.of(settings)
    while True:
        try:
            async with sessionmaker() as session:
                purged = await purge(session, retention)
            if purged.ran:
                log.info(
                    "housekeeping.purged",
                    refresh_tokens=purged.refresh_tokens,
                    throttle_rows=purged.throttle_rows,
                    rate_limit_rows=purged.rate_limit_rows,
                    invites=purged.invites,
                    audit_events=purged.audit_events,
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            # A database outage must not end the loop: the next round tries again.
            log.exception("housekeeping.failed")
        await asyncio.sleep(settings.PURGE_INTERVAL_SECONDS)


async def run_purge(settings: Settings) -> Purged:
    """One round from the command line (its own engine)."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            return await purge(session, Retention.of(settings))
    finally:
        await engine.dispose()
