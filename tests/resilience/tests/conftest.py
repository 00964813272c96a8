"""One real stack for the suite: PostgreSQL, stub, auth, two chat replicas, Traefik (loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from parley_bench.stack import Stack, running_stack

CHAT_ENV = {
    # Short enough that the hang and dead-replica cases end within a test's budget.
    "LLM_TIMEOUT_SECONDS": "3",
    "LLM_MAX_RETRIES": "0",
    "RUN_LEASE_SECONDS": "3",
    "SHUTDOWN_GRACE_SECONDS": "2",
}


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    with running_stack(
        chat_processes=2,
        peer=False,
        # Every virtual user registers from this one address: auth's per-address limits off.
        service_env={"PASSWORD_HASH_PROFILE": "fast", "RATE_LIMITS_ENABLED": "false"},
        chat_env=CHAT_ENV,
    ) as running:
        yield running


@pytest.fixture
async def gateway(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=300, max_keepalive_connections=300)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30.0, limits=limits) as http:
        yield http
