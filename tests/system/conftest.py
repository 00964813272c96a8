"""The whole stack as processes, started once per session by the `make dev` launcher's code.

Real Traefik in front of real auth, two chat replicas and the LLM stub, on the shared
PostgreSQL fixture's server, all on free loopback ports (so `make dev` may run beside it).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import httpx
import pytest
from parley_devstack import DevSettings, RunningStack, running_stack
from parley_devstack.ports import free_port_block
from parley_testing import DatabaseFactory


@pytest.fixture(scope="session")
def stack(
    database_factory: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    base = free_port_block(6)
    settings = DevSettings(
        gateway_port=base,
        gateway_admin_port=base + 1,
        auth_port=base + 2,
        llm_stub_port=base + 3,
        chat_port=base + 4,
        chat_processes=2,
        web_mode="off",
        auth_database_url=database_factory.create(),
        chat_database_url=database_factory.create(),
        # Words spaced by 40 ms, so a buffered stream would show as one lump.
        llm_stub_delay_ms=40,
        llm_stub_reply_words=12,
        # The replica test bursts /api; the login limit keeps its shipped value.
        gateway_api_rate_average=5000,
        gateway_api_rate_burst=5000,
        data_dir=tmp_path_factory.mktemp("stack-data"),
        _env_file=None,  # type: ignore[call-arg]
    )
    service_env = {
        "PASSWORD_HASH_PROFILE": "fast",
        # Shared by auth (its account-changes feed) and chat (reading it); chat polls every
        # second so a revoked token is refused within a couple of seconds, not ten.
        "SERVICE_TOKEN": secrets.token_urlsafe(32),
        "AUTH_URL": f"http://{settings.bind_host}:{settings.auth_port}",
        "ACCOUNT_CHANGES_POLL_SECONDS": "1",
        # The first admin, as an operator makes one (test_account_changes registers it).
        "ADMIN_EMAILS": "admin@example.com",
    }
    with running_stack(
        settings, tmp_path_factory.mktemp("stack-logs"), service_env=service_env
    ) as running:
        yield running


def new_user_token(stack: RunningStack, local_address: str) -> str:
    """Register a new user through the gateway and log in; an access token for it.

    Each test calls from its own loopback address, so the gateway's per-address login limit
    never lets one test's logins hold up another's.
    """
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    password = "a long enough passphrase"
    transport = httpx.HTTPTransport(local_address=local_address)
    with httpx.Client(base_url=stack.url, transport=transport, timeout=30) as client:
        registered = client.post("/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 201, registered.text
        answer = client.post("/auth/login", data={"username": email, "password": password})
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token
