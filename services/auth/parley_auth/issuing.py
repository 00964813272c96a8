"""Issuing an access token to an account: ADMIN_EMAILS promotion first, then the claims
(token version, verification, role, groups). Login, refresh and SSO all come through here."""

from __future__ import annotations

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.account_changes import record_account_change
from parley_auth.config import Settings
from parley_auth.groups import groups_of
from parley_auth.models import User
from parley_auth.runtime import Runtime
from parley_auth.tokens import issue_for

log = structlog.get_logger(__name__)


def listed_admin(settings: Settings, user: User) -> bool:
    """Whether ADMIN_EMAILS makes ``user`` an admin now: listed, and verified in production
    (an unverified address proves nothing: anyone may register it)."""
    if user.is_superuser or user.email_canonical not in settings.admin_emails:
        return False
    return user.is_verified or not settings.is_production


async def promote_listed(session: AsyncSession, settings: Settings, user: User) -> bool:
    """Promote ``user`` when ADMIN_EMAILS lists it (audited, in the feed); commits if so."""
    if not listed_admin(settings, user):
        return False
    users = User.__table__.c
    promoted = await session.scalar(
        update(User)
        .where(users.id == user.id, users.is_superuser.is_(False))
        .values(is_superuser=True)
        .returning(users.id)
        .execution_options(synchronize_session=False)
    )
    if promoted is not None:
        await record_account_change(session, user.id, end_sessions=False)
        await audit.record(
            session,
            "user.role_changed",
            actor=None,
            target=audit.Target.user(user),
            detail={"from": "member", "to": "admin", "reason": "ADMIN_EMAILS"},
        )
        await session.commit()
        log.info("user.promoted", user_id=str(user.id), reason="ADMIN_EMAILS")
    user.is_superuser = True
    return promoted is not None


async def access_token_for(runtime: Runtime, session: AsyncSession, user: User) -> str:
    """A fresh access token for ``user`` (promoted first when ADMIN_EMAILS lists it)."""
    await promote_listed(session, runtime.settings, user)
    groups = await groups_of(session, user.id)
    return issue_for(runtime.access_tokens, user, groups)
