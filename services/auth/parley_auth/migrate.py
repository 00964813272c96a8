"""Run the Alembic migrations programmatically (CLI and tests), over an asyncpg connection."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from parley_auth.config import Settings


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "parley_auth:migrations")
    return config


async def _run(database_url: str, action: str, revision: str) -> None:
    url = Settings(DATABASE_URL=database_url).async_database_url
    engine = create_async_engine(url, poolclass=NullPool)

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` to ``revision`` (default: the newest)."""
    await _run(database_url, "upgrade", revision)


async def downgrade(database_url: str, revision: str = "base") -> None:
    """Take the database back to ``revision`` (default: empty)."""
    await _run(database_url, "downgrade", revision)
