"""Reading the audit log (admin API), retention, and events forwarded by chat."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.admin_schemas import InternalAuditEvent
from parley_auth.emails import canonical_email
from parley_auth.models import AuditEvent, User
from parley_auth.paging import InvalidCursor, decode_cursor, encode_cursor, like_prefix
from parley_auth.storable import storable_instant


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # a user id or an email
    target: str | None = None  # a target id
    kind: str | None = None  # exact, or a prefix ending in "."
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditListing:
    events: list[AuditEvent]
    next_cursor: str | None


async def _actor_condition(session: AsyncSession, actor: str) -> ColumnElement[bool]:
    try:
        actor_id = uuid.UUID(actor)
    except ValueError:
        actor_id = None
    if actor_id is not None:
        return AuditEvent.actor_id == actor_id
    canonical = canonical_email(actor)
    user_id: uuid.UUID | None = await session.scalar(
        select(User.__table__.c.id).where(User.__table__.c.email_canonical == canonical)
    )
    if user_id is not None:
        return AuditEvent.actor_id == user_id
    # An account since deleted: the email its events were recorded with.
    return func.lower(AuditEvent.actor_email) == canonical


async def list_events(
    session: AsyncSession, where: AuditFilter, cursor: str | None, limit: int
) -> AuditListing:
    """Events newest first, keyset-paged by (at, id); raises InvalidCursor."""
    conditions: list[ColumnElement[bool]] = []
    if where.actor:
        conditions.append(await _actor_condition(session, where.actor))
    if where.target:
        conditions.append(AuditEvent.target_id == where.target)
    if where.kind and where.kind.endswith("."):
        conditions.append(AuditEvent.kind.like(like_prefix(where.kind), escape="\\"))
    elif where.kind:
        conditions.append(AuditEvent.kind == where.kind)
    if where.since:
        conditions.append(AuditEvent.at >= where.since)
    if where.until:
        conditions.append(AuditEvent.at < where.until)
    if cursor:
        key = decode_cursor(cursor, "at", "id")
        try:
            after = (datetime.fromisoformat(str(key["at"])), int(str(key["id"])))
        except ValueError:
            raise InvalidCursor(cursor) from None
        # Ours are aware instants and bigint ids; anything else is not one of ours.
        if after[0].tzinfo is None or not storable_instant(after[0]) or not 0 < after[1] < 2**63:
            raise InvalidCursor(cursor)
        conditions.append(tuple_(AuditEvent.at, AuditEvent.id) < after)
    rows = await session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit + 1)
    )
    events = list(rows.all())
    more = len(events) > limit
    events = events[:limit]
    last = events[-1] if more else None
    next_cursor = encode_cursor({"at": last.at.isoformat(), "id": last.id}) if last else None
    return AuditListing(events, next_cursor)


async def add_forwarded(session: AsyncSession, event: InternalAuditEvent) -> None:
    """Store an event chat forwarded (its ``at`` is the moment of the change); commits.

    Chat's tokens carry no email, so the actor's address is filled in here while the account
    exists: the log should say who, not only which id."""
    actor_email = event.actor_email
    if actor_email is None and event.actor_id is not None:
        actor_email = await session.scalar(
            select(User.__table__.c.email).where(User.__table__.c.id == event.actor_id)
        )
    session.add(
        AuditEvent(
            at=event.at,
            kind=event.kind,
            actor_id=event.actor_id,
            actor_email=actor_email,
            target_type=event.target_type,
            target_id=event.target_id,
            target_label=event.target_label,
            client_ip=event.client_ip,
            user_agent=event.user_agent,
            detail=event.detail,
        )
    )
    await session.commit()


async def purge_old_events(session: AsyncSession, keep: timedelta) -> int:
    """Delete events older than ``keep`` in the caller's transaction (the only DELETE the
    append-only trigger lets through); returns how many went."""
    await session.execute(text("SET LOCAL parley.audit_purge = 'on'"))
    deleted = await session.execute(delete(AuditEvent).where(AuditEvent.at < func.now() - keep))
    count = int(deleted.rowcount)  # type: ignore[attr-defined]
    await session.execute(text("SET LOCAL parley.audit_purge = 'off'"))
    return count
