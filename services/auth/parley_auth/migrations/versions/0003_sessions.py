"""Per-device login throttle, rate-limit counters, the rotating client of a refresh token.

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_device_throttle",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=False),
    )
    # The purge deletes by window end.
    op.create_index("ix_rate_limits_window_ends_at", "rate_limits", ["window_ends_at"])
    op.add_column("refresh_tokens", sa.Column("used_by_client", sa.String(64)))


def downgrade() -> None:
    op.drop_column("refresh_tokens", "used_by_client")
    op.drop_index("ix_rate_limits_window_ends_at", table_name="rate_limits")
    op.drop_table("rate_limits")
    op.drop_table("login_device_throttle")
