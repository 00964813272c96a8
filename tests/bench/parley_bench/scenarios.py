"""The benchmark sections, each measured against running processes in the same run."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from parley_bench.loadgen import (
    AgentOSTarget,
    LoadResult,
    ParleyTarget,
    StubTarget,
    Target,
    VirtualUser,
    percentiles,
    run_load,
)
from parley_bench.peer import AGENT_ID, USER_SCOPES
from parley_bench.stack import Stack
from parley_bench.verifier import verifier_rates

PASSWORD = "bench-password-Long-enough-123"


@dataclass(frozen=True)
class Plan:
    """How much to run: the short form (`make bench`) or the full one."""

    levels: tuple[tuple[int, int], ...]  # (users, turns per user)
    rounds: int
    auth_users: int
    history_chats: int
    history_turns: int
    history_long_factor: int
    history_long_chats: int | None  # how many (most recent) chats get longer; None: all
    history_samples: int
    long_chat_turns: int
    streams: int
    stream_delay_ms: int
    admin_users: int  # accounts in auth's database for the admin user list
    admin_samples: int

    @classmethod
    def short(cls) -> Plan:
        return cls(
            levels=((1, 20), (16, 6), (64, 3)),
            rounds=2,
            auth_users=32,
            history_chats=2000,
            history_turns=20,
            history_long_factor=10,
            history_long_chats=100,
            history_samples=100,
            long_chat_turns=500,
            streams=1000,
            stream_delay_ms=200,
            admin_users=100_000,
            admin_samples=200,
        )

    @classmethod
    def full(cls) -> Plan:
        return cls(
            levels=((1, 100), (16, 30), (64, 10)),
            rounds=3,
            auth_users=64,
            history_chats=2000,
            history_turns=20,
            history_long_factor=10,
            history_long_chats=None,
            history_samples=400,
            long_chat_turns=500,
            streams=1000,
            stream_delay_ms=200,
            admin_users=100_000,
            admin_samples=1000,
        )


def minted_users(stack: Stack, count: int, *, scopes: bool = False) -> list[VirtualUser]:
    """Users with tokens signed by the stack's key (AgentOS also wants its scope claim)."""
    users = []
    for _ in range(count):
        sub = str(uuid.uuid4())
        extra: dict[str, Any] = {"scopes": USER_SCOPES} if scopes else {}
        users.append(VirtualUser(sub, stack.signing_key.token(sub, **extra)))
    return users


# --- auth -------------------------------------------------------------------------------------


async def auth_section(stack: Stack, count: int) -> tuple[dict[str, Any], list[VirtualUser]]:
    """Register ``count`` users, then log them all in (8 in flight) while probing healthz.

    Returns the figures and the logged-in users, whose tokens the chat load then uses.
    """
    emails = [f"bench-{uuid.uuid4().hex[:10]}@example.com" for _ in range(count)]
    in_flight = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60.0) as http:

        async def register(email: str) -> None:
            async with in_flight:
                r = await http.post("/auth/register", json={"email": email, "password": PASSWORD})
                r.raise_for_status()

        await asyncio.gather(*(register(e) for e in emails))
        tokens: list[str] = [""] * count
        probe: list[float] = []
        done = asyncio.Event()

        async def healthz() -> None:
            async with httpx.AsyncClient(base_url=stack.auth_url, timeout=10.0) as direct:
                while not done.is_set():
                    start = time.perf_counter()
                    await direct.get("/auth/healthz")
                    probe.append((time.perf_counter() - start) * 1000)
                    await asyncio.sleep(0.02)

        async def login(index: int, email: str) -> None:
            async with in_flight:
                r = await http.post("/auth/login", data={"username": email, "password": PASSWORD})
                r.raise_for_status()
                tokens[index] = r.json()["access_token"]

        idle: list[float] = []
        async with httpx.AsyncClient(base_url=stack.auth_url, timeout=10.0) as direct:
            for _ in range(50):
                start = time.perf_counter()
                await direct.get("/auth/healthz")
                idle.append((time.perf_counter() - start) * 1000)
        prober = asyncio.create_task(healthz())
        start = time.perf_counter()
        await asyncio.gather(*(login(i, e) for i, e in enumerate(emails)))
        elapsed = time.perf_counter() - start
        done.set()
        await prober
        me = await http.get("/auth/users/me", headers={"Authorization": f"Bearer {tokens[0]}"})
        me.raise_for_status()
    users = []
    import jwt

    for token in tokens:
        sub = jwt.decode(token, options={"verify_signature": False})["sub"]
        users.append(VirtualUser(sub, token))
    verifications = await verifier_rates(stack.plan.keys_dir / "jwks.json", stack.signing_key)
    return (
        {
            "logins": count,
            "login_concurrency": 8,
            "logins_per_s": round(count / elapsed, 2),
            "healthz_idle_ms": percentiles(idle),
            "healthz_during_logins_ms": percentiles(probe),
            "token_verifications_per_s": verifications.plain,
            "token_verifications_with_revocations_per_s": verifications.with_revocations,
            "revocation_state_users": verifications.known_users,
            "revocation_check_ns": verifications.check_ns,
        },
        users,
    )


# --- throughput -------------------------------------------------------------------------------


async def throughput_section(
    stack: Stack,
    levels: tuple[tuple[int, int], ...],
    parley_users: list[VirtualUser],
    rounds: int = 2,
) -> list[dict[str, Any]]:
    """Each level against every target in turn (stub, chat direct, gateway, AgentOS), in
    ``rounds`` interleaved rounds; each target keeps its best round, so a burst of other work on
    a shared machine does not decide a ratio. Errors are summed over every round."""
    rows: list[dict[str, Any]] = []
    assert stack.peer_url is not None
    needed = max(users for users, _ in levels)
    if len(parley_users) < needed:
        # Same key, same claims as the auth service's tokens: logging in more users would only
        # measure argon2 again (the auth section does).
        parley_users = parley_users + minted_users(stack, needed - len(parley_users))
    for users, turns in levels:
        peer_users = minted_users(stack, users, scopes=True)
        chat_db, peer_db = stack.plan.chat_database_url, stack.peer_database_url
        runs: list[tuple[Target, str, list[VirtualUser], str | None, str | None]] = [
            (StubTarget(), stack.stub_url, minted_users(stack, users), None, None),
            (
                ParleyTarget("parley-direct"),
                stack.chat_urls[0],
                parley_users[:users],
                "chat",
                chat_db,
            ),
            (
                ParleyTarget("parley-gateway"),
                stack.gateway_url,
                parley_users[:users],
                "chat",
                chat_db,
            ),
            (AgentOSTarget(AGENT_ID), stack.peer_url, peer_users, "peer", peer_db),
        ]
        best: dict[str, dict[str, Any]] = {}
        errors: dict[str, int] = {}
        for _round, (target, url, vusers, process, db) in (
            (r, run) for r in range(rounds) for run in runs
        ):
            probe = (lambda p=process: stack.cpu_seconds(p)) if process else None
            before = await asyncio.to_thread(_db_counters, db) if db else None
            result: LoadResult = await run_load(
                target, url, vusers, turns, warmup_turns=1, cpu_probe=probe
            )
            summary = result.summary()
            # Idle backends flush their statistics late: count only sustained multi-user loads.
            if db and before and result.ok_turns and users >= 16:
                await asyncio.sleep(1.1)  # PostgreSQL flushes its statistics about every second
                after = await asyncio.to_thread(_db_counters, db)
                n = len(result.ok_turns)
                summary["db_xacts_per_turn"] = round((after[0] - before[0]) / n, 1)
                summary["db_rows_read_per_turn"] = round((after[1] - before[1]) / n, 1)
            summary["sample_errors"] = [t.error for t in result.turns if t.error][:3]
            summary["setup_errors"] = result.setup_errors[:3]
            summary["rounds"] = rounds
            errors[target.name] = errors.get(target.name, 0) + summary["errors"]
            kept = best.get(target.name)
            if kept is None or summary["turns_per_s"] > kept["turns_per_s"]:
                best[target.name] = summary
        for name, summary in best.items():
            summary["errors"] = errors[name]
            rows.append(summary)
    return rows


def _db_counters(url: str) -> tuple[int, int]:
    """Transactions and rows returned so far in the database of ``url`` (pg_stat_database)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched "
            "FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
