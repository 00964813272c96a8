"""Rotating refresh tokens in families; only SHA-256 digests are stored.

A token's successor is HMAC(SESSION_SECRET, token): when a rotation's response is lost, the
same client presenting the token again within the grace gets that successor recomputed, not a
revoked family. Anything else that presents a rotated token is reuse and ends the family.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import exists, func, insert, select, update
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


def client_fingerprint(device_cookie: str | None, address: str, user_agent: str) -> str:
    """Who rotates a token: the device cookie when there is one, else address and User-Agent."""
    who = f"device\0{device_cookie}" if device_cookie else f"address\0{address}\0{user_agent}"
    return digest(who)


class RefreshTokens:
    """Issues, rotates and revokes refresh tokens; every method commits its own work."""

    def __init__(self, ttl_days: int, secret: bytes, grace_seconds: int) -> None:
        self.ttl = timedelta(days=ttl_days)
        self.grace = timedelta(seconds=grace_seconds)
        self._secret = secret

    def successor_of(self, token: str) -> str:
        """The token that rotating ``token`` hands out (same length as a fresh one)."""
        mac = hmac.new(self._secret, f"parley-refresh\0{token}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    async def issue(
        self, session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID | None = None
    ) -> str:
        """A new token (a new family unless ``family_id`` is given); commits."""
        token = secrets.token_urlsafe(32)
        await self._insert(session, token, user_id, family_id or uuid.uuid4())
        await session.commit()
        return token

    async def _insert(
        self, session: AsyncSession, token: str, user_id: uuid.UUID, family_id: uuid.UUID
    ) -> None:
        await session.execute(
            insert(RefreshToken).values(
                id=uuid.uuid4(),
                token_hash=digest(token),
                family_id=family_id,
                user_id=user_id,
                expires_at=func.now() + self.ttl,
            )
        )

    async def rotate(self, session: AsyncSession, token: str, client: str) -> Rotation:
        """Claim ``token`` for ``client`` (a ``client_fingerprint``) and hand out its successor;
        a replay within the grace by the same client gets the same successor, any other
        replay revokes the family."""
        # One statement claims the token: concurrent rotations of it cannot both win.
        claimed = (
            await session.execute(
                update(RefreshToken)
                .where(
                    RefreshToken.token_hash == digest(token),
                    RefreshToken.used_at.is_(None),
                    RefreshToken.revoked_at.is_(None),
                    RefreshToken.expires_at > func.now(),
                )
                .values(used_at=func.now(), used_by_client=client)
                .returning(RefreshToken.user_id, RefreshToken.family_id)
            )
        ).one_or_none()
        if claimed is None:
            replayed = await self._replay(session, token, client)
            if replayed is None:
                raise InvalidRefreshToken
            return replayed
        user_id, family_id = claimed
        user = await session.get(User, user_id)
        if user is None or not user.is_active:
            await self._revoke_family(session, family_id)
            await session.commit()
            raise InvalidRefreshToken
        successor = self.successor_of(token)
        await self._insert(session, successor, user_id, family_id)
        await session.commit()
        return Rotation(user=user, refresh_token=successor)

    async def _replay(self, session: AsyncSession, token: str, client: str) -> Rotation | None:
        """A token that could not be claimed: the grace answer, or None (revoking on reuse)."""
        row = (
            await session.execute(
                select(
                    RefreshToken.family_id,
                    RefreshToken.user_id,
                    RefreshToken.used_at,
                    RefreshToken.revoked_at,
                    RefreshToken.used_by_client,
                    (RefreshToken.used_at > func.now() - self.grace).label("recent"),
                ).where(RefreshToken.token_hash == digest(token))
            )
        ).one_or_none()
        if row is None or row.used_at is None:
            await session.commit()  # unknown, expired or revoked before use: nothing to do
            return None
        if row.revoked_at is None and row.recent and row.used_by_client == client:
            successor = self.successor_of(token)
            # A successor already used means the lost response was not lost: that is reuse.
            unused = await session.scalar(
                select(
                    exists().where(
                        RefreshToken.token_hash == digest(successor),
                        RefreshToken.used_at.is_(None),
                        RefreshToken.revoked_at.is_(None),
                        RefreshToken.expires_at > func.now(),
                    )
                )
            )
            user = await session.get(User, row.user_id)
            if unused and user is not None and user.is_active:
                await session.commit()
                log.info("refresh_token.grace_replay", user_id=str(row.user_id))
                return Rotation(user=user, refresh_token=successor)
        # A rotated token came back from elsewhere or too late: someone holds a copy.
        revoked = await self._revoke_family(session, row.family_id)
        log.warning(
            "refresh_token.reuse_detected",
            user_id=str(row.user_id),
            family_id=str(row.family_id),
            revoked=revoked,
        )
        await session.commit()
        return None

    async def _revoke_family(self, session: AsyncSession, family_id: uuid.UUID) -> int:
        result = await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=func.now())
            .returning(RefreshToken.id)
        )
        return len(result.all())

    async def owner_of(self, session: AsyncSession, token: str) -> uuid.UUID | None:
        """The account ``token`` was issued to, if it is one of ours (used or not)."""
        owner: uuid.UUID | None = await session.scalar(
            select(RefreshToken.user_id).where(RefreshToken.token_hash == digest(token))
        )
        return owner

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
