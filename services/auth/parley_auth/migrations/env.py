"""Alembic environment: runs on the connection handed over by `parley_auth.migrate`."""

from __future__ import annotations

from alembic import context
from parley_auth.models import Base
from sqlalchemy.engine import Connection

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through `parley-auth migrate` (parley_auth.migrate)")

context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
