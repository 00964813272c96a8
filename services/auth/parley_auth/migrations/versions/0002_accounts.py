"""Canonical emails, pending email changes, token versions, the account-change feed, invites.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from parley_auth.emails import canonical_email
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class DuplicateAccountsError(RuntimeError):
    """Existing accounts whose emails are one address once canonicalised."""


def _fill_canonical_emails() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, email FROM users")).all()
    by_canonical: dict[str, list[str]] = defaultdict(list)
    for user_id, email in rows:
        by_canonical[canonical_email(email)].append(f"{email} ({user_id})")
    clashes = {key: users for key, users in by_canonical.items() if len(users) > 1}
    if clashes:
        # Merging accounts is a human decision: stop, name them, change nothing.
        listed = "; ".join(f"{key}: {', '.join(users)}" for key, users in sorted(clashes.items()))
        raise DuplicateAccountsError(
            "these accounts share one email address once canonicalised (Unicode NFKC, case fold,"
            f" IDNA): {listed}. Rename or delete all but one of each, then migrate again."
        )
    users = sa.table("users", sa.column("id"), sa.column("email_canonical"))
    for user_id, email in rows:
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(email_canonical=canonical_email(email))
        )


def upgrade() -> None:
    op.add_column("users", sa.Column("email_canonical", sa.String(320)))
    op.add_column("users", sa.Column("pending_email", sa.String(320)))
    op.add_column(
        "users", sa.Column("token_version", sa.Integer, nullable=False, server_default="0")
    )
    _fill_canonical_emails()
    op.alter_column("users", "email_canonical", nullable=False)
    op.create_index("ux_users_email_canonical", "users", ["email_canonical"], unique=True)
    op.drop_index("ux_users_email_lower", table_name="users")

    op.create_table(
        "account_changes",
        sa.Column("user_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("token_version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_account_changes_changed_at", "account_changes", ["changed_at"])

    op.create_table(
        "invites",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("note", sa.String(200)),
        sa.Column(
            "created_by",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
        ),
        sa.Column("max_uses", sa.Integer, nullable=False),
        sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def downgrade() -> None:
    op.drop_table("invites")
    op.drop_index("ix_account_changes_changed_at", table_name="account_changes")
    op.drop_table("account_changes")
    op.create_index("ux_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.drop_index("ux_users_email_canonical", table_name="users")
    op.drop_column("users", "token_version")
    op.drop_column("users", "pending_email")
    op.drop_column("users", "email_canonical")
