"""The draining server: the first SIGTERM starts the drain, then it stops on its own."""

from __future__ import annotations

import asyncio
import signal

import uvicorn
from fastapi import FastAPI
from parley_common.drain import DrainingServer, Lifecycle


def server(drain_seconds: float, lifecycle: Lifecycle) -> DrainingServer:
    return DrainingServer(uvicorn.Config(FastAPI()), drain_seconds, lifecycle.drain)


async def test_sigterm_drains_first_then_exits() -> None:
    lifecycle = Lifecycle()
    drainer = server(0.2, lifecycle)
    assert lifecycle.unavailable() is None
    drainer.handle_exit(signal.SIGTERM, None)
    assert lifecycle.draining and not drainer.should_exit
    assert drainer.captured == [signal.SIGTERM]  # re-raised once the server has stopped
    refusal = lifecycle.unavailable()
    assert refusal is not None and refusal.status_code == 503
    assert refusal.body == b'{"detail":"shutting down"}'
    await drainer.on_tick(1)
    assert not drainer.should_exit
    await asyncio.sleep(0.25)
    await drainer.on_tick(2)
    assert drainer.should_exit


def test_a_second_sigterm_or_sigint_stops_at_once() -> None:
    drainer = server(30, Lifecycle())
    drainer.handle_exit(signal.SIGTERM, None)
    drainer.handle_exit(signal.SIGTERM, None)
    assert drainer.should_exit
    interrupted = server(30, Lifecycle())
    interrupted.handle_exit(signal.SIGINT, None)
    assert interrupted.should_exit and interrupted.captured == []


def test_no_drain_time_means_a_plain_shutdown() -> None:
    lifecycle = Lifecycle()
    drainer = server(0, lifecycle)
    drainer.handle_exit(signal.SIGTERM, None)
    assert drainer.should_exit and not lifecycle.draining
