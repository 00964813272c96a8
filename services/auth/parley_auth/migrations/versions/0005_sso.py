"""Single sign-on: the accounts users sign in with at OpenID Providers (fastapi-users' table).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_accounts",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "user_id",
            UUID(as_uuid=True),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        # The provider's id in OIDC_PROVIDERS, and its subject (`sub`) for the user.
        sa.Column("oauth_name", sa.String(100), nullable=False),
        sa.Column("account_id", sa.String(320), nullable=False),
        sa.Column("account_email", sa.String(320), nullable=False),
        # fastapi-users' columns for the provider's tokens: Parley keeps none ("" and NULL).
        sa.Column("access_token", sa.String(1024), nullable=False),
        sa.Column("expires_at", sa.Integer),
        sa.Column("refresh_token", sa.String(1024)),
        # One account per subject of a provider, one subject of a provider per account.
        sa.UniqueConstraint("oauth_name", "account_id", name="ux_oauth_accounts_subject"),
        sa.UniqueConstraint("user_id", "oauth_name", name="ux_oauth_accounts_user_provider"),
    )


def downgrade() -> None:
    op.drop_table("oauth_accounts")
