"""The admin user list benchmark at a tiny scale, against a real auth app and database: the
seeding statement, the deep cursor, every case and the report's budget rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from parley_auth.app import create_app
from parley_auth.config import Settings
from parley_auth.migrate import upgrade
from parley_bench import admin_users
from parley_bench.report import write_report
from parley_testing import DatabaseFactory

COUNT = 300


@pytest.fixture
async def auth_url(database_factory: DatabaseFactory) -> str:
    url = str(database_factory.create())
    await upgrade(url)
    return url


@pytest.fixture
async def auth_client(auth_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(DATABASE_URL=auth_url, PASSWORD_HASH_PROFILE="fast", RATE_LIMITS_ENABLED=False)
    )
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://auth") as client:
            yield client


async def test_the_scenario_seeds_pages_and_searches(
    auth_url: str, auth_client: httpx.AsyncClient, tmp_path: Path, machine: dict[str, object]
) -> None:
    admin_users.seed_users(auth_url, COUNT)
    token = await admin_users.admin_token(auth_client, auth_url)
    headers = {"Authorization": f"Bearer {token}"}

    first = (await auth_client.get(admin_users.USERS, headers=headers)).json()
    assert first["total"] == COUNT + 1  # and the admin
    assert first["items"][0]["email"].startswith("bench-admin-")
    deep = await admin_users.cursor_at(auth_client, token, COUNT // 2)
    assert deep is not None
    page = (
        await auth_client.get(admin_users.USERS, params={"cursor": deep}, headers=headers)
    ).json()
    assert page["items"][0]["email"] > "user000100@bench.example"
    found = (
        await auth_client.get(
            admin_users.USERS, params={"q": admin_users.prefix_for(COUNT)}, headers=headers
        )
    ).json()
    assert found["total"] == 100
    assert sum(1 for item in found["items"] if item["groups"] == ["bench"]) == 5

    results = await admin_users.measure({"direct": auth_client}, token, COUNT, samples=3)
    assert set(results["direct"]) == {"first page", "page deep in the list", "prefix search"}
    assert all(value["p95"] > 0 for value in results["direct"].values())

    data = {
        "command": "parley-bench --only admin_users",
        "mode": "short",
        "machine": machine,
        "admin_users": {
            "users": COUNT,
            "samples": 3,
            "seed_s": 0.1,
            "budget_p95_ms": admin_users.BUDGET_P95_MS,
            "prefix": admin_users.prefix_for(COUNT),
            "ms": {"direct": {"first page": {"p50": 1.0, "p95": 60.0, "p99": 70.0}}},
        },
    }
    report = write_report(data, tmp_path).read_text()
    assert (
        "| GET /auth/admin/users first page, 300 users (direct) p95 | 60.0 ms | <= 50 ms | no |"
        in report
    )
    assert "## Admin user list" in report
