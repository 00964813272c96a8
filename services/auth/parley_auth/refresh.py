"""Rotating refresh tokens in families; only SHA-256 digests are stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.models import RefreshToken, User

log = structlog.get_logger(__name__)


class InvalidRefreshToken(Exception):
    """Unknown, expired, revoked or already rotated refresh token."""


@dataclass(frozen=True)
class Rotation:
    user: User
    refresh_token: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshTokens:
    """Issues, rotates and revokes refresh tokens; every method commits its own work."""

    def __init__(self, ttl_days: int) -> None:
        self.ttl = timedelta(days=ttl_days)

    async def issue(
        self, session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID | None = None
    ) -> str:
        """A new token (a new family unless ``family_id`` is given); commits."""
        token = await self._insert(session, user_id, family_id or uuid.uuid4())
        await session.commit()
        return token

    async def _insert(self, session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID) -> str:
        token = secrets.token_urlsafe(32)
        await session.execute(
            insert(RefreshToken).values(
                id=uuid.uuid4(),
                token_hash=digest(token),
                family_id=family_id,
                user_id=user_id,
                expires_at=func.now() + self.ttl,
            )
        )
        return token

    async def rotate(self, session: AsyncSession, token: str) -> Rotation:
        """Claim ``token`` and hand out its successor; a replayed token revokes its family."""
        token_hash = digest(token)
        # One statement claims the token: concurrent rotations of it cannot both win.
        claimed = (
            await session.execute(
                update(RefreshToken)
                .where(
                    RefreshToken.token_hash == token_hash,
                    RefreshToken.used_at.is_(None),
                    RefreshToken.revoked_at.is_(None),
                    RefreshToken.expires_at > func.now(),
                )
                .values(used_at=func.now())
                .returning(RefreshToken.user_id, RefreshToken.family_id)
            )
        ).one_or_none()
        if claimed is None:
            await self._handle_unclaimable(session, token_hash)
            raise InvalidRefreshToken
        user_id, family_id = claimed
        user = await session.get(User, user_id)
        if user is None or not user.is_active:
            await self._revoke_family(session, family_id)
            await session.commit()
            raise InvalidRefreshToken
        successor = await self._insert(session, user_id, family_id)
        await session.commit()
        return Rotation(user=user, refresh_token=successor)

    async def _handle_unclaimable(self, session: AsyncSession, token_hash: str) -> None:
        row = (
            await session.execute(
                select(RefreshToken.family_id, RefreshToken.used_at, RefreshToken.user_id).where(
                    RefreshToken.token_hash == token_hash
                )
            )
        ).one_or_none()
        if row is not None and row.used_at is not None:
            # A rotated token came back: someone holds a copy. Kill the whole family.
            revoked = await self._revoke_family(session, row.family_id)
            log.warning(
                "refresh_token.reuse_detected",
                user_id=str(row.user_id),
                family_id=str(row.family_id),
                revoked=revoked,
            )
        await session.commit()

    async def _revoke_family(self, session: AsyncSession, family_id: uuid.UUID) -> int:
        result = await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=func.now())
            .returning(RefreshToken.id)
        )
        return len(result.all())

    async def revoke_family_of(self, session: AsyncSession, token: str) -> None:
        """Logout: revoke the family of ``token`` if it is one of ours; commits."""
        family_id = await session.scalar(
            select(RefreshToken.family_id).where(RefreshToken.token_hash == digest(token))
        )
        if family_id is not None:
            await self._revoke_family(session, family_id)
        await session.commit()

    async def revoke_user(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Revoke every refresh token of a user (password reset); commits."""
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )
        await session.commit()
