"""ORM models; the schema itself is owned by the Alembic migrations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from fastapi_users_db_sqlalchemy import (
    SQLAlchemyBaseOAuthAccountTableUUID,
    SQLAlchemyBaseUserTableUUID,
)
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    """An account; unique by ``email_canonical`` (see emails.py), ``email`` as the user typed it."""

    __tablename__ = "users"
    __table_args__ = (Index("ux_users_email_canonical", "email_canonical", unique=True),)

    # Replaces the mixin's case-sensitive unique index: uniqueness is on the canonical form.
    if TYPE_CHECKING:
        email: str
    else:
        email: Mapped[str] = mapped_column(String(320), nullable=False)
    email_canonical: Mapped[str] = mapped_column(String(320), nullable=False)
    # An email change waiting for its verification link to be used.
    pending_email: Mapped[str | None] = mapped_column(String(320))
    # Access tokens carry it as ``tv``; bumping it ends every token issued before.
    token_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class OAuthAccount(SQLAlchemyBaseOAuthAccountTableUUID, Base):
    """A user's account at an OpenID Provider: ``oauth_name`` is the provider's id in
    OIDC_PROVIDERS, ``account_id`` its subject. The provider's tokens are not kept."""

    __tablename__ = "oauth_accounts"
    __table_args__ = (
        UniqueConstraint("oauth_name", "account_id", name="ux_oauth_accounts_subject"),
        UniqueConstraint("user_id", "oauth_name", name="ux_oauth_accounts_user_provider"),
    )

    # The mixin's foreign key names fastapi-users' table "user" (ours is "users"), and its
    # single-column indexes would only repeat the unique constraints' leading columns.
    if TYPE_CHECKING:
        user_id: uuid.UUID
    else:
        user_id: Mapped[uuid.UUID] = mapped_column(
            UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        )
        oauth_name: Mapped[str] = mapped_column(String(100), nullable=False)
        account_id: Mapped[str] = mapped_column(String(320), nullable=False)


class RefreshToken(Base):
    """One refresh token (only its SHA-256 is stored); rotation chains tokens in a family."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_user_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # SHA-256 of the client that rotated it (device cookie, else address and User-Agent):
    # only that client may present it again within the reuse grace.
    used_by_client: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed logins per lower(email), shared by every replica through the database."""

    __tablename__ = "login_throttle"

    email_key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginDeviceThrottle(Base):
    """Failed logins per device cookie: a known device is throttled on its own count."""

    __tablename__ = "login_device_throttle"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RateLimitCounter(Base):
    """Requests counted in the current fixed window of one rate-limit key."""

    __tablename__ = "rate_limits"
    __table_args__ = (Index("ix_rate_limits_window_ends_at", "window_ends_at"),)

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, nullable=False)
    window_ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AccountChange(Base):
    """The latest session-ending change of one account, read by chat as a feed (one row a user)."""

    __tablename__ = "account_changes"

    # No foreign key: the row outlives a deleted account, that is how chat learns of it.
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    token_version: Mapped[int] = mapped_column(Integer, nullable=False)
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )


class Invite(Base):
    """A registration invite; only the SHA-256 of its code is stored."""

    __tablename__ = "invites"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    max_uses: Mapped[int] = mapped_column(Integer, nullable=False)
    uses: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
