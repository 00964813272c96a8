"""Organisation: groups and memberships, the append-only audit log, the feed's authorisation
columns (role, groups, active), the site settings an admin saves, the email index for search.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# UPDATE is refused always; DELETE only inside the retention purge's transaction, which sets
# parley.audit_purge LOCAL. Anyone with the table's owner role can still drop the trigger:
# this stops mistakes and application bugs, not the database administrator.
AUDIT_GUARD_FUNCTION = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('parley.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
AUDIT_GUARD_TRIGGER = """
CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'", name="ck_groups_id_slug"),
    )
    op.create_table(
        "group_members",
        sa.Column(
            "group_id",
            sa.String(64),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("source IN ('manual', 'sso')", name="ck_group_members_source"),
    )
    # A user's groups (tokens, the feed) are looked up by user.
    op.create_index("ix_group_members_user_id", "group_members", ["user_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),  # bigserial
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("clock_timestamp()"),
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor_id", postgresql.UUID(as_uuid=True)),
        sa.Column("actor_email", sa.String(320)),
        sa.Column("target_type", sa.String(32)),
        sa.Column("target_id", sa.String(200)),
        sa.Column("target_label", sa.String(320)),
        sa.Column("client_ip", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
        sa.Column(
            "detail", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_actor_id_at", "audit_events", ["actor_id", "at"])
    op.create_index("ix_audit_events_target_id_at", "audit_events", ["target_id", "at"])
    op.create_index("ix_audit_events_kind_at", "audit_events", ["kind", "at"])
    # One statement per execute: asyncpg prepares each.
    op.execute(AUDIT_GUARD_FUNCTION)
    op.execute(AUDIT_GUARD_TRIGGER)

    op.add_column(
        "account_changes",
        sa.Column("role", sa.String(16), nullable=False, server_default="member"),
    )
    op.add_column(
        "account_changes",
        sa.Column(
            "groups",
            postgresql.ARRAY(sa.Text),
            nullable=False,
            server_default=sa.text("'{}'::text[]"),
        ),
    )
    op.add_column(
        "account_changes",
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )

    # One row at most (id is always true); absent until an admin saves a registration policy.
    op.create_table(
        "site_settings",
        sa.Column("id", sa.Boolean, primary_key=True, server_default=sa.true()),
        sa.Column("registration_mode", sa.String(16), nullable=False),
        sa.Column(
            "registration_domains",
            postgresql.ARRAY(sa.Text),
            nullable=False,
            server_default=sa.text("'{}'::text[]"),
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("id", name="ck_site_settings_one_row"),
        sa.CheckConstraint(
            "registration_mode IN ('open', 'domains', 'invite', 'closed')",
            name="ck_site_settings_registration_mode",
        ),
    )

    # The admin user list pages and prefix-searches by canonical email in byte order: one
    # index serves both (the unique index's collation cannot answer LIKE 'prefix%').
    op.execute('CREATE INDEX ix_users_email_canonical_c ON users (email_canonical COLLATE "C")')


def downgrade() -> None:
    op.drop_index("ix_users_email_canonical_c", table_name="users")
    op.drop_table("site_settings")
    op.drop_column("account_changes", "active")
    op.drop_column("account_changes", "groups")
    op.drop_column("account_changes", "role")
    op.drop_table("audit_events")
    op.execute("DROP FUNCTION audit_events_append_only()")
    op.drop_index("ix_group_members_user_id", table_name="group_members")
    op.drop_table("group_members")
    op.drop_table("groups")
