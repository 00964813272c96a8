"""Graceful drain: on SIGTERM, fail health checks for a while, then shut down."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

import uvicorn
from fastapi.responses import JSONResponse


@dataclass
class Lifecycle:
    """Process state the server loop changes: draining = stopping soon, fail health checks."""

    draining: bool = False

    def drain(self) -> None:
        self.draining = True

    def unavailable(self) -> JSONResponse | None:
        """The health checks' 503 while draining, else None."""
        if self.draining:
            return JSONResponse({"detail": "shutting down"}, status_code=503)
        return None


class DrainingServer(uvicorn.Server):
    """uvicorn that, on SIGTERM, fails health checks for a while before shutting down.

    The gateway or Kubernetes takes the replica out while it still serves, so no request is
    lost to a closing socket. A second SIGTERM, or SIGINT, stops at once.
    """

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


def serve_draining(config: uvicorn.Config, lifecycle: Lifecycle, drain_seconds: float) -> None:
    """Run ``config``'s app until stopped; like ``uvicorn.run``, exit with the stopping signal."""
    server = DrainingServer(config, drain_seconds, lifecycle.drain)
    server.run()
    for captured in server.captured:
        signal.raise_signal(captured)
