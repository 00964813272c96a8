"""``parley-chat migrate`` and ``parley-chat serve``."""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn
from parley_common.settings import SettingsError

from parley_chat.config import Settings


async def _migrate(settings: Settings) -> None:
    from parley_chat.db import make_db, make_engine, migrate

    engine = make_engine(settings)
    try:
        await migrate(make_db(settings, engine))
    finally:
        await engine.dispose()


class DrainingServer(uvicorn.Server):
    """uvicorn that, on SIGTERM, fails health checks for a while before shutting down."""

    def __init__(
        self, config: uvicorn.Config, drain_seconds: float, on_drain: Callable[[], None]
    ) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self.on_drain = on_drain
        self.draining_since: float | None = None
        self.captured: list[int] = []

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        first_term = sig == signal.SIGTERM and self.draining_since is None
        if first_term and self.drain_seconds > 0 and not self.should_exit:
            self.captured.append(sig)
            self.draining_since = time.monotonic()
            self.on_drain()
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        since = self.draining_since
        if since is not None and time.monotonic() - since >= self.drain_seconds:
            self.should_exit = True
        return await super().on_tick(counter)


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

    def drain() -> None:
        app.state.lifecycle.draining = True

    config = uvicorn.Config(app, **options)
    server = DrainingServer(config, settings.SHUTDOWN_DRAIN_SECONDS, drain)
    server.run()
    # Like uvicorn.run: exit with the signal that stopped us.
    for captured in server.captured:
        signal.raise_signal(captured)


if __name__ == "__main__":
    main()
