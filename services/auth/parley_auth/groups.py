"""Groups and memberships: slugs, a user's groups, SSO's replacement of its own memberships,
and what the admin API does to groups. Callers commit.

Every membership change records the account's row in the feed (``record_account_change``),
so chat learns the user's new groups; none ends a session.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import structlog
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

# groups_of lives with the feed, which needs it too (and which this module imports).
from parley_auth.account_changes import groups_of as groups_of
from parley_auth.account_changes import record_account_change
from parley_auth.models import Group, GroupMember

log = structlog.get_logger(__name__)

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
Source = Literal["manual", "sso"]


def is_slug(value: str) -> bool:
    return SLUG.fullmatch(value) is not None


def slugify(value: str) -> str | None:
    """A group slug made from a claim value ("Data Science" -> "data-science"), or None when
    nothing usable is left."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9_-]+", "-", text).strip("-_")[:64].rstrip("-_")
    return text if text and is_slug(text) else None


@dataclass(frozen=True)
class GroupsChange:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


async def existing_groups(session: AsyncSession, slugs: Collection[str]) -> set[str]:
    if not slugs:
        return set()
    rows = await session.scalars(select(Group.id).where(Group.id.in_(list(slugs))))
    return set(rows.all())


async def _create_missing(
    session: AsyncSession, slugs: Collection[str], names: Mapping[str, str]
) -> None:
    """Create the groups of ``slugs`` that do not exist, named ``names[slug]`` (or the slug
    when that name is taken by another group)."""
    for slug in sorted(set(slugs) - await existing_groups(session, slugs)):
        for name in dict.fromkeys([names.get(slug, slug)[:100], slug]):
            made = await session.scalar(
                insert(Group)
                .values(id=slug, name=name)
                .on_conflict_do_nothing()
                .returning(Group.id)
            )
            if made is not None:
                log.info("group.created", group=slug, by="sso")
                break


async def _memberships(session: AsyncSession, user_id: uuid.UUID, source: Source) -> set[str]:
    rows = await session.scalars(
        select(GroupMember.group_id).where(
            GroupMember.user_id == user_id, GroupMember.source == source
        )
    )
    return set(rows.all())


async def replace_memberships(
    session: AsyncSession, user_id: uuid.UUID, slugs: Collection[str], source: Source
) -> GroupsChange:
    """Make the user's ``source`` memberships exactly ``slugs`` (existing groups only).

    One row per (group, user): SSO leaves a manual membership alone, while an admin's manual
    membership takes over an SSO one (so the next SSO login cannot remove it). The feed row is
    updated when the user's groups changed.
    """
    wanted = await existing_groups(session, [slug for slug in slugs if is_slug(slug)])
    current = await _memberships(session, user_id, source)
    other = await _memberships(session, user_id, "sso" if source == "manual" else "manual")
    removed = sorted(current - wanted)
    if removed:
        await session.execute(
            delete(GroupMember).where(
                GroupMember.user_id == user_id,
                GroupMember.source == source,
                GroupMember.group_id.in_(removed),
            )
        )
    taken_over = sorted((wanted - current) & other) if source == "manual" else []
    if taken_over:
        await session.execute(
            update(GroupMember)
            .where(GroupMember.user_id == user_id, GroupMember.group_id.in_(taken_over))
            .values(source=source)
        )
    added: list[str] = []
    for slug in sorted(wanted - current - other):
        inserted = await session.scalar(
            insert(GroupMember)
            .values(group_id=slug, user_id=user_id, source=source)
            .on_conflict_do_nothing()
            .returning(GroupMember.group_id)
        )
        if inserted is not None:
            added.append(slug)
    change = GroupsChange(added=added, removed=removed)
    if change.changed:
        await record_account_change(session, user_id, end_sessions=False)
    return change


async def replace_sso_groups(
    session: AsyncSession,
    user_id: uuid.UUID,
    slugs: Collection[str],
    *,
    create_missing: bool,
    names: Mapping[str, str] | None = None,
) -> GroupsChange:
    """At SSO login: the user's 'sso' memberships become ``slugs``; 'manual' ones are never
    touched. With ``create_missing``, unknown groups are created (named ``names[slug]``, else
    the slug); without, they are ignored. Invalid slugs are ignored. Updates the feed row."""
    valid = [slug for slug in slugs if is_slug(slug)]
    if create_missing:
        await _create_missing(session, valid, names or {})
    return await replace_memberships(session, user_id, valid, "sso")


async def member_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(GroupMember.group_id, func.count()).group_by(GroupMember.group_id)
    )
    return {group_id: count for group_id, count in rows.tuples()}
