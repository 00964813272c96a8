"""``parley-chat migrate`` and ``parley-chat serve``."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import uvicorn
from parley_common.drain import serve_draining
from parley_common.settings import SettingsError

from parley_chat.config import Settings


async def _migrate(settings: Settings) -> None:
    from parley_chat.storage import FinalSaves, create_chat_db, create_engine, migrate

    engine = create_engine(settings)
    try:
        await migrate(create_chat_db(settings, engine, FinalSaves()))
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="parley-chat", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create agno's tables, our indexes and the lease table")
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8002)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (replicas)")
    args = parser.parse_args(argv)

    try:
        settings = Settings()
    except SettingsError as exc:
        parser.exit(2, f"parley-chat: {exc}\n")
    if args.command == "migrate":
        from parley_chat.observability import configure_logging

        configure_logging(settings.LOG_LEVEL, settings.LOG_JSON)
        asyncio.run(_migrate(settings))
        print("chat database migrated")
        return

    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": None,
        "proxy_headers": True,
        "forwarded_allow_ips": "*",
        "timeout_graceful_shutdown": int(settings.SHUTDOWN_GRACE_SECONDS) + 5,
    }
    if args.workers > 1:
        # Each worker process is a replica of its own (leases and cancels go through PostgreSQL).
        uvicorn.run("parley_chat.app:create_app", factory=True, workers=args.workers, **options)
        return

    from parley_chat.app import create_app

    app = create_app(settings)
    config = uvicorn.Config(app, **options)
    serve_draining(config, app.state.lifecycle, settings.SHUTDOWN_DRAIN_SECONDS)


if __name__ == "__main__":
    main()
