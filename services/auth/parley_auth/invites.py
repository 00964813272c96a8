"""Registration invites: made by superusers, redeemed at registration; only code hashes stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth import audit
from parley_auth.models import Invite, User


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


@dataclass(frozen=True)
class NewInvite:
    invite: Invite
    code: str  # shown once, to the superuser who made it


def _usable() -> list[ColumnElement[bool]]:
    return [
        Invite.uses < Invite.max_uses,
        or_(Invite.expires_at.is_(None), Invite.expires_at > func.now()),
    ]


async def create_invite(
    session: AsyncSession,
    *,
    created_by: uuid.UUID,
    note: str | None,
    expires_in_days: int | None,
    max_uses: int,
    client: audit.ClientInfo | None = None,
) -> NewInvite:
    """A new invite (audited without its code); commits."""
    code = secrets.token_urlsafe(16)
    invite = Invite(
        id=uuid.uuid4(),
        code_hash=code_hash(code),
        note=note,
        created_by=created_by,
        max_uses=max_uses,
        uses=0,
    )
    session.add(invite)
    await session.flush()
    if expires_in_days is not None:
        invite.expires_at = await session.scalar(
            select(func.now() + timedelta(days=expires_in_days))
        )
    creator = await session.get(User, created_by)
    await audit.record(
        session,
        "invite.created",
        actor=audit.Actor.of(creator) if creator else audit.Actor(created_by),
        target=audit.Target("invite", str(invite.id), note),
        client=client,
        detail={"max_uses": max_uses, "expires_in_days": expires_in_days},
    )
    await session.commit()
    await session.refresh(invite)
    return NewInvite(invite, code)


async def list_invites(session: AsyncSession) -> list[Invite]:
    rows = await session.scalars(select(Invite).order_by(Invite.created_at.desc()))
    return list(rows.all())


async def delete_invite(
    session: AsyncSession,
    invite_id: uuid.UUID,
    admin: User,
    client: audit.ClientInfo | None = None,
) -> bool:
    """Whether an invite was deleted (audited); commits."""
    deleted = (
        await session.execute(delete(Invite).where(Invite.id == invite_id).returning(Invite.note))
    ).first()
    if deleted is not None:
        await audit.record(
            session,
            "invite.revoked",
            actor=audit.Actor.of(admin),
            target=audit.Target("invite", str(invite_id), deleted.note),
            client=client,
        )
    await session.commit()
    return deleted is not None


async def invite_usable(session: AsyncSession, code: str) -> bool:
    found = await session.scalar(
        select(Invite.id).where(Invite.code_hash == code_hash(code), *_usable())
    )
    return found is not None


async def redeem_invite(session: AsyncSession, code: str) -> bool:
    """Use the invite up by one, in the caller's transaction (the registration's insert).

    One UPDATE claims the use, so N concurrent registrations never exceed ``max_uses``.
    """
    claimed = await session.scalar(
        update(Invite)
        .where(Invite.code_hash == code_hash(code), *_usable())
        .values(uses=Invite.uses + 1)
        .returning(Invite.id)
    )
    return claimed is not None
