"""Many open streams on one chat process: memory per stream and time to first token."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from parley_bench.loadgen import ParleyTarget, percentiles
from parley_bench.scenarios import Plan, minted_users
from parley_bench.stack import Stack


async def streams_section(stack: Stack, plan: Plan, words: int = 30) -> dict[str, Any]:
    """``plan.streams`` users each open one slow stream at once, straight to one chat process."""
    count = plan.streams
    users = minted_users(stack, count)
    target = ParleyTarget()
    url = stack.chat_urls[0]
    limits = httpx.Limits(max_connections=count + 16, max_keepalive_connections=count + 16)
    opening = asyncio.Semaphore(50)
    rss_before = stack.rss_bytes("chat")
    peak = rss_before
    open_now = 0
    max_open = 0
    sampling = True

    async def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, stack.rss_bytes("chat"))
            await asyncio.sleep(0.1)

    async with httpx.AsyncClient(base_url=url, timeout=120.0, limits=limits) as http:
        chats = await asyncio.gather(*(_new_chat(target, http, u, opening) for u in users))
        ttfts: list[float] = []
        errors: list[str] = []
        completed = 0
        opened = 0
        message = f"stream test [stub:delay={plan.stream_delay_ms}] [stub:words={words}]"

        async def one(index: int) -> None:
            nonlocal open_now, max_open, completed, opened
            # A 5 s ramp, not a SYN flood: the 6 s replies (and the queueing) still overlap.
            await asyncio.sleep(index * 5.0 / count)
            open_now += 1
            max_open = max(max_open, open_now)
            try:
                ttft, ok, _text, error = await target.turn(
                    http, users[index], chats[index], message
                )
            except httpx.HTTPError as exc:
                ttft, ok, error = None, False, f"{type(exc).__name__}: {exc}"
            finally:
                open_now -= 1
            if ttft is not None:
                opened += 1
                ttfts.append(ttft * 1000)
            if ok:
                completed += 1
            elif error:
                errors.append(error)

        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        wall = time.perf_counter() - started
        sampling = False
        await sampler
    mb = 1024 * 1024
    return {
        "streams": count,
        "delay_ms": plan.stream_delay_ms,
        "words": words,
        "opened": opened,
        "completed": completed,
        "max_concurrent": max_open,
        "errors": len(errors),
        "sample_errors": errors[:3],
        "wall_s": round(wall, 1),
        "rss_before_mb": round(rss_before / mb, 1),
        "rss_peak_mb": round(peak / mb, 1),
        "rss_delta_mb": round((peak - rss_before) / mb, 1),
        "per_stream_kb": round((peak - rss_before) / 1024 / max(1, count), 1),
        "ttft_ms": percentiles(ttfts),
    }


async def _new_chat(
    target: ParleyTarget, http: httpx.AsyncClient, user: Any, gate: asyncio.Semaphore
) -> str:
    async with gate:
        return await target.new_chat(http, user)
