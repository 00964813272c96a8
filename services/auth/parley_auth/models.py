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
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, aggregate_order_by
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column


class Base(DeclarativeBase):
    pass


class GroupMember(Base):
    """One user in one group; ``source`` 'manual' (an admin) or 'sso' (replaced at SSO login)."""

    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_user_id", "user_id"),)

    group_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(8), nullable=False)
    added_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class User(SQLAlchemyBaseUserTableUUID, Base):
    """An account; unique by ``email_canonical`` (see emails.py), ``email`` as the user typed it."""

    __tablename__ = "users"
    __table_args__ = (
        Index("ux_users_email_canonical", "email_canonical", unique=True),
        # The admin list's paging and prefix search, in byte order (see admin_users.py).
        Index(
            "ix_users_email_canonical_c",
            "email_canonical",
            postgresql_ops={"email_canonical": 'COLLATE "C"'},
        ),
    )

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
    if TYPE_CHECKING:
        groups: list[str]  # sorted slugs, mapped below
        sso_providers: list[str]  # sorted provider ids, mapped after OAuthAccount

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    @property
    def role(self) -> str:
        """ "admin" or "member": admins are fastapi-users' superusers."""
        return "admin" if self.is_superuser else "member"


# The account's group slugs, sorted, loaded with the account in the same statement (an index
# lookup), so every UserRead, fastapi-users' routes included, carries them without a query.
User.groups = column_property(  # type: ignore[assignment]
    select(
        func.coalesce(
            func.array_agg(aggregate_order_by(GroupMember.group_id, GroupMember.group_id)),
            literal_column("'{}'::varchar[]"),
        )
    )
    .where(GroupMember.user_id == User.__table__.c.id)
    .scalar_subquery(),
    # Not expired by a flush (a lazy load would fail under asyncio): code that changes
    # memberships reloads the account it answers with.
    expire_on_flush=False,
)


class Group(Base):
    """A group: ``id`` is an immutable slug (tokens, the feed and the catalog name it), ``name``
    a renamable display name."""

    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class AuditEvent(Base):
    """One audited event; append-only (a trigger refuses UPDATE, and DELETE outside the purge)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_actor_id_at", "actor_id", "at"),
        Index("ix_audit_events_target_id_at", "target_id", "at"),
        Index("ix_audit_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp(), index=True
    )
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    # No foreign key: the log outlives the accounts it names.
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_email: Mapped[str | None] = mapped_column(String(320))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(200))
    target_label: Mapped[str | None] = mapped_column(String(320))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[dict[str, object]] = mapped_column(
        JSONB, nullable=False, server_default="{}", default=dict
    )


class SiteSettings(Base):
    """The settings an admin saved (one row, absent until then: the environment applies)."""

    __tablename__ = "site_settings"

    id: Mapped[bool] = mapped_column(Boolean, primary_key=True, default=True)
    registration_mode: Mapped[str] = mapped_column(String(16), nullable=False)
    registration_domains: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
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


_LINKS = OAuthAccount.__table__.c
# The providers the account is linked to, like ``groups``: one index lookup in the same statement.
User.sso_providers = column_property(  # type: ignore[assignment]
    select(
        func.coalesce(
            func.array_agg(aggregate_order_by(_LINKS.oauth_name, _LINKS.oauth_name)),
            literal_column("'{}'::varchar[]"),
        )
    )
    .where(_LINKS.user_id == User.__table__.c.id)
    # Its own table stays in its FROM when a query joins oauth_accounts to users.
    .correlate_except(OAuthAccount.__table__)
    .scalar_subquery(),
    expire_on_flush=False,
)


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
    """The latest change of one account (sessions ended, role, groups, active, deleted), read by
    chat as a feed (one row a user)."""

    __tablename__ = "account_changes"

    # No foreign key: the row outlives a deleted account, that is how chat learns of it.
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    token_version: Mapped[int] = mapped_column(Integer, nullable=False)
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False, server_default="member")
    groups: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


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
