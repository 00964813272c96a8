"""``parley-chat migrate`` and ``parley-chat serve``."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from parley_common.cli import run_command

from parley_chat.config import Settings


async def _apply_migrations(settings: Settings) -> None:
    from parley_chat.storage import FinalSaves, create_chat_db, create_engine, migrate

    engine = create_engine(settings)
    try:
        await migrate(create_chat_db(settings, engine, FinalSaves()))
    finally:
        await engine.dispose()


def _migrate(args: argparse.Namespace) -> int:
    from parley_chat.observability import configure_logging

    settings = Settings()
    configure_logging(settings.LOG_LEVEL, settings.LOG_JSON)
    asyncio.run(_apply_migrations(settings))
    print("chat database migrated")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from parley_common.drain import serve_draining

    settings = Settings()
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": None,
        # The app applies X-Forwarded-* itself, from FORWARDED_ALLOW_IPS peers only.
        "proxy_headers": False,
        "timeout_graceful_shutdown": int(settings.SHUTDOWN_GRACE_SECONDS) + 5,
    }
    if args.workers > 1:
        # Each worker process is a replica of its own (leases and cancels go through PostgreSQL).
        uvicorn.run("parley_chat.app:create_app", factory=True, workers=args.workers, **options)
        return 0

    from parley_chat.app import create_app

    app = create_app(settings)
    serve_draining(
        uvicorn.Config(app, **options), app.state.lifecycle, settings.SHUTDOWN_DRAIN_SECONDS
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley-chat", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser(
        "migrate", help="create agno's tables, then apply our migration files"
    )
    migrate.set_defaults(handler=_migrate)
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8002)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (replicas)")
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), argv)
