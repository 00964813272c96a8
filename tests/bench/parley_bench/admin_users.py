"""The admin console's user list at scale: accounts seeded in auth's database with one
statement, then ``GET /auth/admin/users`` (the first page, a page deep in the list by cursor,
an email-prefix search) through the real auth service, directly and via Traefik."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from parley_bench.loadgen import percentiles
from parley_bench.stack import Stack

PASSWORD = "bench-password-Long-enough-123"
USERS = "/auth/admin/users"
# What the report checks: every case's p95, in ms.
BUDGET_P95_MS = 50.0
WARMUP = 5

# Accounts user000001@bench.example ... (canonical already: lower case, ASCII domain), every
# tenth in a group so each row's groups subquery has something to find. Not argon2 hashes:
# nobody logs in as them.
_SEED = """
WITH made AS (
    INSERT INTO users (id, email, email_canonical, hashed_password, is_active, is_superuser,
                       is_verified)
    SELECT gen_random_uuid(), e, e, 'not-a-hash', true, false, n %% 3 = 0
    FROM generate_series(1, %(count)s) AS n,
         LATERAL (SELECT 'user' || lpad(n::text, 6, '0') || '@bench.example') AS made(e)
    RETURNING id, email
)
INSERT INTO group_members (group_id, user_id, source)
SELECT 'bench', id, 'manual' FROM made WHERE right(split_part(email, '@', 1), 1) = '0'
"""


@dataclass(frozen=True)
class Case:
    name: str
    params: dict[str, Any]


def seed_users(database_url: str, count: int) -> None:
    """``count`` accounts and a group, in one statement (100,000 in a few seconds)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO groups (id, name) VALUES ('bench', 'Bench') ON CONFLICT DO NOTHING"
        )
        conn.execute(_SEED, {"count": count})
        conn.execute("ANALYZE users")
        conn.execute("ANALYZE group_members")


async def admin_token(http: httpx.AsyncClient, database_url: str) -> str:
    """Register an account through the API, make it an admin (as `parley-auth users promote`
    does), log in: its access token."""
    email = f"bench-admin-{uuid.uuid4().hex[:8]}@example.com"
    registered = await http.post("/auth/register", json={"email": email, "password": PASSWORD})
    registered.raise_for_status()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE users SET is_superuser = true WHERE id = %s", (registered.json()["id"],)
        )
    login = await http.post("/auth/login", data={"username": email, "password": PASSWORD})
    login.raise_for_status()
    token: str = login.json()["access_token"]
    return token


def prefix_for(count: int) -> str:
    """A prefix that about 100 of ``count`` seeded accounts share (from the list's middle)."""
    return f"user{count // 2:06d}"[:-2]


async def cursor_at(http: httpx.AsyncClient, token: str, position: int) -> str | None:
    """The cursor of the page that starts near ``position``, walked to as a client would."""
    headers = {"Authorization": f"Bearer {token}"}
    cursor: str | None = None
    seen = 0
    while seen < position:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await http.get(USERS, params=params, headers=headers)).raise_for_status().json()
        seen += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return cursor


def cases(count: int, deep_cursor: str | None) -> list[Case]:
    found = [
        Case("first page", {"limit": 50}),
        Case("prefix search", {"q": prefix_for(count), "limit": 50}),
    ]
    if deep_cursor is not None:
        found.insert(1, Case("page deep in the list", {"limit": 50, "cursor": deep_cursor}))
    return found


async def timed(
    http: httpx.AsyncClient,
    token: str,
    case: Case,
    samples: int,
    check: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, float]:
    """p50/p95/p99 in ms of ``samples`` sequential requests (after a short warm-up)."""
    headers = {"Authorization": f"Bearer {token}"}
    times: list[float] = []
    for i in range(samples + WARMUP):
        start = time.perf_counter()
        response = await http.get(USERS, params=case.params, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        response.raise_for_status()
        if check is not None and i == 0:
            check(response.json())
        if i >= WARMUP:
            times.append(round(elapsed, 3))
    return percentiles(times)


def _check_page(page: dict[str, Any]) -> None:
    if not page["items"]:
        raise RuntimeError("the admin user list answered an empty page")


async def measure(
    clients: dict[str, httpx.AsyncClient], token: str, count: int, samples: int
) -> dict[str, dict[str, dict[str, float]]]:
    """For each way in (e.g. "direct", "gateway"), each case's percentiles."""
    first = next(iter(clients.values()))
    deep = await cursor_at(first, token, count // 2)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for way, http in clients.items():
        results[way] = {
            case.name: await timed(http, token, case, samples, _check_page)
            for case in cases(count, deep)
        }
    return results


async def admin_users_section(stack: Stack, users: int, samples: int) -> dict[str, Any]:
    """Seed ``users`` accounts in the running stack's auth database and measure the list."""
    database_url = stack.plan.auth_database_url
    started = time.perf_counter()
    seed_users(database_url, users)
    seeded_s = round(time.perf_counter() - started, 1)
    async with (
        httpx.AsyncClient(base_url=stack.auth_url, timeout=60.0) as direct,
        httpx.AsyncClient(base_url=stack.gateway_url, timeout=60.0) as gateway,
    ):
        token = await admin_token(gateway, database_url)
        results = await measure({"direct": direct, "gateway": gateway}, token, users, samples)
    return {
        "users": users,
        "samples": samples,
        "seed_s": seeded_s,
        "budget_p95_ms": BUDGET_P95_MS,
        "prefix": prefix_for(users),
        "ms": results,
    }


def targets(data: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """The report's goals: every case's p95 within the budget, directly and via Traefik."""
    section = data.get("admin_users")
    if not section:
        return []
    out: list[tuple[str, str, str, bool | None]] = []
    budget = section["budget_p95_ms"]
    for way, by_case in section["ms"].items():
        for name, value in by_case.items():
            p95 = value.get("p95")
            out.append(
                (
                    f"GET /auth/admin/users {name}, {section['users']:,} users ({way}) p95",
                    f"{p95} ms",
                    f"<= {budget:g} ms",
                    p95 is not None and p95 <= budget,
                )
            )
    return out


def markdown(data: dict[str, Any]) -> list[str]:
    section = data.get("admin_users")
    if not section:
        return []
    lines = [
        "## Admin user list",
        "",
        f"{section['users']:,} accounts seeded in auth's database in one statement "
        f"({section['seed_s']} s); `GET /auth/admin/users`, page of 50, {section['samples']} "
        f"sequential requests per case, ms. Prefix search: `q={section['prefix']}` (about 100 "
        "matches); the deep page starts half-way through the list.",
        "",
        "| case | way in | p50 | p95 | p99 |",
        "|---|---|---|---|---|",
    ]
    for way, by_case in section["ms"].items():
        for name, value in by_case.items():
            lines.append(
                f"| {name} | {way} | {value.get('p50', '-')} | {value.get('p95', '-')} | "
                f"{value.get('p99', '-')} |"
            )
    return [*lines, ""]
