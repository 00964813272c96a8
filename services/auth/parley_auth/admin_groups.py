"""The admin API's groups: create, rename, delete, manual memberships; each audited, and
every member's feed row updated when their groups change."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.account_changes import record_account_change
from parley_auth.admin_schemas import GroupRead
from parley_auth.admin_users import get_user
from parley_auth.groups import member_counts
from parley_auth.models import Group, GroupMember, User
from parley_auth.refusals import GROUP_EXISTS, conflict, not_found


def _read(group: Group, members: int) -> GroupRead:
    return GroupRead(id=group.id, name=group.name, members=members, created_at=group.created_at)


def _target(group: Group) -> audit.Target:
    return audit.Target("group", group.id, group.name)


async def list_groups(session: AsyncSession) -> list[GroupRead]:
    groups = (await session.scalars(select(Group).order_by(Group.name))).all()
    counts = await member_counts(session)
    return [_read(group, counts.get(group.id, 0)) for group in groups]


async def get_group(session: AsyncSession, group_id: str) -> Group:
    group = await session.get(Group, group_id)
    if group is None:
        raise not_found()
    return group


async def read_group(session: AsyncSession, group_id: str) -> GroupRead:
    group = await get_group(session, group_id)
    return _read(group, (await member_counts(session)).get(group.id, 0))


async def create_group(
    session: AsyncSession, admin: User, group_id: str, name: str, client: audit.ClientInfo
) -> GroupRead:
    """A new, empty group; 409 GROUP_EXISTS when the id or the name is taken. Commits."""
    made = await session.scalar(
        insert(Group).values(id=group_id, name=name).on_conflict_do_nothing().returning(Group.id)
    )
    if made is None:
        await session.rollback()
        raise conflict(GROUP_EXISTS)
    group = await get_group(session, group_id)
    await audit.record(
        session, "group.created", actor=audit.Actor.of(admin), target=_target(group), client=client
    )
    await session.commit()
    await session.refresh(group)
    return _read(group, 0)


async def rename_group(
    session: AsyncSession, admin: User, group_id: str, name: str, client: audit.ClientInfo
) -> GroupRead:
    """New display name (the id, which tokens and the catalog use, never changes). Commits."""
    group = await get_group(session, group_id)
    old = group.name
    if name != old:
        group.name = name
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            raise conflict(GROUP_EXISTS) from None
        await audit.record(
            session,
            "group.renamed",
            actor=audit.Actor.of(admin),
            target=_target(group),
            client=client,
            detail={"from": old, "to": name},
        )
        await session.commit()
    return await read_group(session, group_id)


async def delete_group(
    session: AsyncSession, admin: User, group_id: str, client: audit.ClientInfo
) -> None:
    """Delete the group and its memberships; each former member's feed row follows. Commits."""
    # Locked first: a membership being added meanwhile (its foreign key check shares this row)
    # commits before the members are read, or waits and then finds the group gone (404).
    group = await session.get(Group, group_id, with_for_update=True)
    if group is None:
        raise not_found()
    members = list(
        (
            await session.scalars(
                select(GroupMember.user_id).where(GroupMember.group_id == group_id)
            )
        ).all()
    )
    await audit.record(
        session,
        "group.deleted",
        actor=audit.Actor.of(admin),
        target=_target(group),
        client=client,
        detail={"members": len(members)},
    )
    await session.execute(delete(Group).where(Group.id == group_id))
    for user_id in members:
        await record_account_change(session, user_id, end_sessions=False)
    await session.commit()


async def _membership_changed(
    session: AsyncSession,
    kind: str,
    admin: User,
    user: User,
    group: Group,
    client: audit.ClientInfo,
) -> None:
    """The member's feed row follows the change; the admin's action is audited."""
    await record_account_change(session, user.id, end_sessions=False)
    await audit.record(
        session,
        kind,
        actor=audit.Actor.of(admin),
        target=audit.Target.user(user),
        client=client,
        detail={"group": group.id},
    )


async def add_member(
    session: AsyncSession,
    admin: User,
    group_id: str,
    user_id: uuid.UUID,
    client: audit.ClientInfo,
) -> None:
    """Make ``user_id`` a manual member (an SSO membership becomes manual). Commits."""
    group = await get_group(session, group_id)
    user = await get_user(session, user_id)
    # One statement, not read-then-insert: two admins adding the same member at once both get
    # their 204 (and one event), and a group deleted meanwhile is a 404.
    try:
        added = await session.scalar(
            insert(GroupMember)
            .values(group_id=group_id, user_id=user_id, source="manual")
            .on_conflict_do_nothing()
            .returning(GroupMember.user_id)
        )
    except IntegrityError:
        await session.rollback()
        raise not_found() from None
    if added is not None:
        await _membership_changed(session, "group.member_added", admin, user, group, client)
    else:
        await session.execute(
            update(GroupMember)
            .where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
            .values(source="manual")
        )
    await session.commit()


async def remove_member(
    session: AsyncSession,
    admin: User,
    group_id: str,
    user_id: uuid.UUID,
    client: audit.ClientInfo,
) -> None:
    """End ``user_id``'s membership, whatever its source (an SSO one returns at the next SSO
    login if the identity provider still says so). Commits."""
    group = await get_group(session, group_id)
    user = await get_user(session, user_id)
    removed = await session.scalar(
        delete(GroupMember)
        .where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
        .returning(GroupMember.user_id)
    )
    if removed is not None:
        await _membership_changed(session, "group.member_removed", admin, user, group, client)
    await session.commit()
