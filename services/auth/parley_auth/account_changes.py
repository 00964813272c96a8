"""Ending an account's sessions, and the feed that tells chat about it.

``end_sessions`` is the one way a password change, a reset, logout-all, a deactivation or a
deletion ends sessions: the token version goes up (auth refuses older access tokens at once),
every refresh token is revoked, and the account's row in ``account_changes`` is upserted so
chat, polling ``GET /auth/internal/account-changes``, refuses them within its poll interval.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.models import AccountChange, RefreshToken, User

# What the contract tells consumers to subtract from ``now`` for their next ``since``.
CONSUMER_OVERLAP = timedelta(seconds=10)


async def end_sessions(session: AsyncSession, user_id: uuid.UUID, *, deleted: bool = False) -> int:
    """Bump the token version, revoke refresh tokens, record the change; the caller commits.

    Returns the new token version.
    """
    version = await session.scalar(
        update(User)
        .where(User.__table__.c.id == user_id)
        .values(token_version=User.token_version + 1)
        .returning(User.token_version)
    )
    new_version = int(version or 0)
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    # clock_timestamp, not now(): the feed's order should follow the moment of the change, not
    # the start of a transaction that may have waited on a hash.
    changed = insert(AccountChange).values(
        user_id=user_id,
        token_version=new_version,
        deleted=deleted,
        changed_at=func.clock_timestamp(),
    )
    await session.execute(
        changed.on_conflict_do_update(
            index_elements=[AccountChange.user_id],
            set_={
                "token_version": changed.excluded.token_version,
                "deleted": changed.excluded.deleted,
                "changed_at": changed.excluded.changed_at,
            },
        )
    )
    return new_version


@dataclass(frozen=True)
class ChangesPage:
    changes: list[AccountChange]
    now: datetime
    more: bool


async def changes_since(session: AsyncSession, since: datetime, limit: int) -> ChangesPage:
    """Rows changed at or after ``since``, oldest first.

    When the page is full (``more``), ``now`` is the last row's time plus the consumers' 10 s
    overlap, so their usual ``since = now - 10 s`` continues at that row (seen twice: harmless).
    """
    rows = list(
        (
            await session.scalars(
                select(AccountChange)
                .where(AccountChange.changed_at >= since)
                .order_by(AccountChange.changed_at, AccountChange.user_id)
                .limit(limit + 1)
            )
        ).all()
    )
    more = len(rows) > limit
    if more:
        rows = rows[:limit]
        now = rows[-1].changed_at + CONSUMER_OVERLAP
    else:
        now = (await session.execute(select(func.clock_timestamp()))).scalar_one()
    await session.commit()
    return ChangesPage(changes=rows, now=now, more=more)
