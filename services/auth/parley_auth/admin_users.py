"""The admin API's accounts: a searchable, keyset-paged list, and the changes an admin makes
(role, active, manual groups, verification mail, deletion), each guarded and audited."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi_users import exceptions
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.account import delete_audited
from parley_auth.account_changes import record_account_change
from parley_auth.admin_schemas import AdminUserRead, AdminUserUpdate
from parley_auth.emails import fold
from parley_auth.groups import existing_groups, replace_memberships
from parley_auth.models import GroupMember, User
from parley_auth.paging import InvalidCursor, decode_cursor, encode_cursor, like_prefix
from parley_auth.refusals import (
    ALREADY_VERIFIED,
    CANNOT_CHANGE_SELF,
    LAST_ADMIN,
    UNKNOWN_GROUP,
    USER_INACTIVE,
    Refused,
    conflict,
    not_found,
)
from parley_auth.storable import storable_text
from parley_auth.users import UserManager

# Past this many matches a page says ``total: null`` instead of counting them all.
COUNT_LIMIT = 10_000
# Byte order: the order of ix_users_email_canonical_c, which also answers LIKE 'prefix%'.
email_order = User.email_canonical.collate("C")


@dataclass(frozen=True)
class UserListing:
    users: list[User]
    next_cursor: str | None
    total: int | None


async def list_users(
    session: AsyncSession,
    *,
    q: str | None,
    cursor: str | None,
    limit: int,
    group_id: str | None = None,
) -> UserListing:
    """Accounts by canonical email, ``q`` a case-insensitive prefix of it; raises InvalidCursor."""
    filters: list[ColumnElement[bool]] = []
    if q and q.strip():
        filters.append(email_order.like(like_prefix(fold(q.strip())), escape="\\"))
    if group_id is not None:
        members = select(GroupMember.user_id).where(GroupMember.group_id == group_id)
        filters.append(User.__table__.c.id.in_(members))
    total = None if cursor else await _count(session, filters)
    if cursor:
        after = decode_cursor(cursor, "e")["e"]
        if not isinstance(after, str) or not storable_text(after):
            raise InvalidCursor(cursor)
        filters.append(email_order > after)
    rows = await session.scalars(
        select(User).where(*filters).order_by(email_order).limit(limit + 1)
    )
    users = list(rows.all())
    more = len(users) > limit
    users = users[:limit]
    next_cursor = encode_cursor({"e": users[-1].email_canonical}) if more else None
    return UserListing(users, next_cursor, total)


async def _count(session: AsyncSession, filters: list[ColumnElement[bool]]) -> int | None:
    capped = select(User.__table__.c.id).where(*filters).limit(COUNT_LIMIT + 1).subquery()  # type: ignore[arg-type]
    count = int(await session.scalar(select(func.count()).select_from(capped)) or 0)
    return count if count <= COUNT_LIMIT else None


async def sso_links(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """The SSO providers linked to each account (fastapi-users' ``oauth_accounts``)."""
    if not user_ids:
        return {}
    rows = await session.execute(
        text(
            "SELECT user_id, oauth_name FROM oauth_accounts"
            " WHERE user_id = ANY(:ids) ORDER BY oauth_name"
        ),
        {"ids": list(user_ids)},
    )
    links: dict[uuid.UUID, list[str]] = defaultdict(list)
    for user_id, provider in rows.tuples():
        links[user_id].append(provider)
    return links


async def admin_views(session: AsyncSession, users: Sequence[User]) -> list[AdminUserRead]:
    links = await sso_links(session, [user.id for user in users])
    return [
        AdminUserRead(
            id=user.id,
            email=user.email,
            pending_email=user.pending_email,
            is_verified=user.is_verified,
            role=user.role,  # type: ignore[arg-type]
            active=user.is_active,
            groups=list(user.groups),
            sso=links.get(user.id, []),
            created_at=user.created_at,
        )
        for user in users
    ]


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id, populate_existing=True)
    if user is None:
        raise not_found()
    return user


async def _other_active_admins(session: AsyncSession, user_id: uuid.UUID) -> int:
    # Locks every active admin row: two admins demoting each other at once are serialised,
    # so one of them always remains.
    users = User.__table__.c
    ids = await session.scalars(
        select(users.id)
        .where(users.is_superuser.is_(True), users.is_active.is_(True))
        .order_by(users.id)  # one lock order for every caller: no deadlock
        .with_for_update()
    )
    return sum(1 for found in ids.all() if found != user_id)


async def update_user(
    session: AsyncSession,
    admin: User,
    user_id: uuid.UUID,
    change: AdminUserUpdate,
    client: audit.ClientInfo,
) -> User:
    """Apply ``change`` (audited, in the feed); commits. Raises Refused."""
    user = await get_user(session, user_id)
    demotes = change.role == "member" and user.is_superuser
    deactivates = change.active is False and user.is_active
    if (demotes or deactivates) and user.id == admin.id:
        raise conflict(CANNOT_CHANGE_SELF)
    guarded = (demotes or deactivates) and user.is_superuser and user.is_active
    if guarded and await _other_active_admins(session, user.id) == 0:
        raise conflict(LAST_ADMIN)
    if change.groups is not None:
        unknown = set(change.groups) - await existing_groups(session, change.groups)
        if unknown:
            raise Refused(422, UNKNOWN_GROUP)
    actor, target = audit.Actor.of(admin), audit.Target.user(user)

    async def note(kind: str, **detail: object) -> None:
        await audit.record(session, kind, actor=actor, target=target, client=client, detail=detail)

    changed = False
    if change.role is not None and change.role != user.role:
        await note("user.role_changed", **{"from": user.role, "to": change.role})
        user.is_superuser = change.role == "admin"
        changed = True
    if change.active is not None and change.active != user.is_active:
        await note("user.deactivated" if deactivates else "user.reactivated")
        user.is_active = change.active
        changed = True
    if change.groups is not None:
        try:
            memberships = await replace_memberships(session, user.id, change.groups, "manual")
        except IntegrityError:  # a group deleted since the check above
            await session.rollback()
            raise Refused(422, UNKNOWN_GROUP) from None
        for slug in memberships.added:
            await note("group.member_added", group=slug)
        for slug in memberships.removed:
            await note("group.member_removed", group=slug)
    if changed:
        session.add(user)
        await session.flush()
        await record_account_change(session, user.id, end_sessions=deactivates)
    await session.commit()
    await session.refresh(user)
    return user


async def resend_verification(
    manager: UserManager, admin: User, user_id: uuid.UUID, client: audit.ClientInfo
) -> None:
    """Mail the account a fresh verification link; raises Refused."""
    session = manager.session
    user = await get_user(session, user_id)
    try:
        await manager.request_verify(user)
    except exceptions.UserAlreadyVerified:
        raise conflict(ALREADY_VERIFIED) from None
    except exceptions.UserInactive:
        raise conflict(USER_INACTIVE) from None
    await audit.record(
        session,
        "user.verification_resent",
        actor=audit.Actor.of(admin),
        target=audit.Target.user(user),
        client=client,
    )
    await session.commit()


async def delete_user(
    manager: UserManager, admin: User, user_id: uuid.UUID, client: audit.ClientInfo
) -> None:
    """Delete another account as self-deletion does (chat follows the feed); raises Refused."""
    user = await get_user(manager.session, user_id)
    if user.id == admin.id:
        raise conflict(CANNOT_CHANGE_SELF)
    await delete_audited(manager, user, audit.Actor.of(admin), client)
