"""The account-changes feed chat polls, and ending an account's sessions.

Every change chat must follow goes through ``record_account_change``: it upserts the account's
one row in ``account_changes`` with its CURRENT role, groups and active flag (chat applies
them to tokens issued before ``changed_at``), and with ``end_sessions`` also bumps the token
version (auth refuses older access tokens at once) and revokes every refresh token. Password
change, reset, logout-all, deactivation and deletion end sessions; role and group changes and
reactivation do not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.models import AccountChange, GroupMember, RefreshToken, User

# What the contract tells consumers to subtract from ``now`` for their next ``since``.
CONSUMER_OVERLAP = timedelta(seconds=10)


async def _bump_and_revoke(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(User)
        .where(User.__table__.c.id == user_id)
        .values(token_version=User.token_version + 1)
    )
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def record_account_change(
    session: AsyncSession, user_id: uuid.UUID, *, end_sessions: bool, deleted: bool = False
) -> None:
    """Upsert the user's feed row with its current state; the caller commits.

    A deleted account (recorded before its row goes) is published as an inactive member of
    no group.
    """
    await _record(session, user_id, end_sessions=end_sessions, deleted=deleted)


async def _record(
    session: AsyncSession, user_id: uuid.UUID, *, end_sessions: bool, deleted: bool
) -> int:
    if end_sessions:
        await _bump_and_revoke(session, user_id)
    users = User.__table__.c
    account = (
        await session.execute(
            select(users.token_version, users.is_superuser, users.is_active).where(
                users.id == user_id
            )
        )
    ).first()
    groups = [] if deleted else await groups_of(session, user_id)
    version = int(account.token_version) if account is not None else 0
    role = "admin" if account is not None and account.is_superuser and not deleted else "member"
    active = account is not None and bool(account.is_active) and not deleted
    # clock_timestamp, not now(): the feed's order should follow the moment of the change, not
    # the start of a transaction that may have waited on a hash.
    changed = insert(AccountChange).values(
        user_id=user_id,
        token_version=version,
        deleted=deleted,
        changed_at=func.clock_timestamp(),
        role=role,
        groups=groups,
        active=active,
    )
    await session.execute(
        changed.on_conflict_do_update(
            index_elements=[AccountChange.user_id],
            set_={
                name: changed.excluded[name]
                for name in ("token_version", "deleted", "changed_at", "role", "groups", "active")
            },
        )
    )
    return version


async def groups_of(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """The user's group slugs, sorted (every source)."""
    rows = await session.scalars(
        select(GroupMember.group_id)
        .where(GroupMember.user_id == user_id)
        .order_by(GroupMember.group_id)
    )
    return list(rows.all())


async def end_sessions(session: AsyncSession, user_id: uuid.UUID, *, deleted: bool = False) -> int:
    """Bump the token version, revoke refresh tokens, record the change; the caller commits.

    Returns the new token version.
    """
    return await _record(session, user_id, end_sessions=True, deleted=deleted)


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
