"""Where the server's CPU goes during a load: py-spy samples, grouped by library."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from parley_bench.loadgen import AgentOSTarget, ParleyTarget, Target, run_load
from parley_bench.peer import AGENT_ID
from parley_bench.scenarios import minted_users
from parley_bench.stack import Stack

# The top-level package of the innermost frame that belongs to one of these decides where a
# sample's CPU went (py-spy frames look like ``func (package/module.py:line)``).
CATEGORIES: dict[str, str] = {
    "jwt": "token verification (jwt/cryptography)",
    "cryptography": "token verification (jwt/cryptography)",
    "structlog": "logging (structlog/logging)",
    "logging": "logging (structlog/logging)",
    "prometheus_client": "metrics (prometheus_client)",
    "json": "JSON / pydantic / copy",
    "pydantic": "JSON / pydantic / copy",
    "pydantic_core": "JSON / pydantic / copy",
    "copy": "JSON / pydantic / copy",
    "sqlalchemy": "database (SQLAlchemy/psycopg)",
    "psycopg": "database (SQLAlchemy/psycopg)",
    "psycopg_pool": "database (SQLAlchemy/psycopg)",
    "openai": "LLM client (openai/httpx/httpcore)",
    "httpx": "LLM client (openai/httpx/httpcore)",
    "httpx2": "LLM client (openai/httpx/httpcore)",
    "httpcore": "LLM client (openai/httpx/httpcore)",
    "httpcore2": "LLM client (openai/httpx/httpcore)",
    "anyio": "LLM client (openai/httpx/httpcore)",
    "agno": "agno",
    "starlette": "Starlette/FastAPI (routing, middleware)",
    "fastapi": "Starlette/FastAPI (routing, middleware)",
    "uvicorn": "HTTP server (uvicorn/httptools)",
    "h11": "HTTP server (uvicorn/httptools)",
    "httptools": "HTTP server (uvicorn/httptools)",
    "asyncio": "asyncio event loop",
    "uvloop": "asyncio event loop",
    "parley_chat": "parley_chat (own code)",
}


def _category(frame: str) -> str | None:
    _, _, location = frame.rpartition(" (")
    package = location.split("/", 1)[0].split(".py", 1)[0]
    return CATEGORIES.get(package)


def summarize(raw: Path, top: int = 12) -> dict[str, Any]:
    """Share of samples per library (innermost match) and the hottest leaf functions."""
    by_category: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        leaves[frames[-1]] += count
        for frame in reversed(frames):
            category = _category(frame)
            if category:
                by_category[category] += count
                break
        else:
            by_category["other"] += count
    if total == 0:
        return {"samples": 0, "categories": {}, "top_leaves": []}
    return {
        "samples": total,
        "categories": {k: round(100 * v / total, 1) for k, v in by_category.most_common()},
        "top_leaves": [(k, round(100 * v / total, 1)) for k, v in leaves.most_common(top)],
    }


async def profile_section(
    stack: Stack, out: Path, users: int = 16, turns: int = 8
) -> dict[str, Any]:
    """Profile the chat process (via Traefik) and the AgentOS peer under the same load."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    result: dict[str, Any] = {"users": users, "turns": turns}
    assert stack.peer_url is not None
    runs: list[tuple[str, Target, str, str, bool]] = [
        ("parley-chat", ParleyTarget("parley-gateway"), stack.gateway_url, "chat", False),
        ("agentos", AgentOSTarget(AGENT_ID), stack.peer_url, "peer", True),
    ]
    for label, target, url, process, scopes in runs:
        raw = out / f"profile-{label}.txt"
        svg = out / f"profile-{label}.svg"
        vusers = minted_users(stack, users, scopes=scopes)
        # Warm up first (chats made, connections open), then sample only the measured part.
        await run_load(target, url, vusers, 1)
        recorder = await asyncio.create_subprocess_exec(
            spy,
            "record",
            "--pid",
            str(stack.pid(process)),
            "--rate",
            "250",
            "--format",
            "raw",
            "--output",
            str(raw),
            "--nonblocking",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(0.5)
        load = await run_load(target, url, vusers, turns)
        recorder.send_signal(2)  # SIGINT: py-spy writes what it has and exits
        await recorder.wait()
        summary: dict[str, Any] = summarize(raw) if raw.exists() else {"samples": 0}
        summary["turns_per_s"] = round(load.turns_per_second, 2)
        result[label] = summary
        # A flame graph to look at, from the same kind of sampling (short, separate run).
        flame = await asyncio.create_subprocess_exec(
            spy,
            "record",
            "--pid",
            str(stack.pid(process)),
            "--rate",
            "250",
            "--duration",
            "4",
            "--format",
            "flamegraph",
            "--output",
            str(svg),
            "--nonblocking",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await run_load(target, url, vusers, max(2, turns // 3))
        await flame.wait()
    return result
