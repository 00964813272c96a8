"""Changing an account's role outside the admin API (the promote command, SSO's admin_groups)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.account_changes import record_account_change
from parley_auth.models import User


async def set_role(
    session: AsyncSession,
    user: User,
    *,
    admin: bool,
    client: audit.ClientInfo | None = None,
    detail: Mapping[str, object],
) -> bool:
    """Make ``user`` an admin or a member: published in the feed (sessions go on) and audited
    ``user.role_changed`` with no actor and ``detail`` (e.g. the reason). False when it already
    had that role. The caller commits."""
    if user.is_superuser == admin:
        return False
    before = user.role
    user.is_superuser = admin
    await session.flush()
    await record_account_change(session, user.id, end_sessions=False)
    await audit.record(
        session,
        "user.role_changed",
        actor=None,
        target=audit.Target.user(user),
        client=client,
        detail={"from": before, "to": user.role, **detail},
    )
    return True
