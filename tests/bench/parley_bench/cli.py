"""`parley-bench` (what `make bench` runs): start everything, measure, write the report."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parley_bench import machine, report, scenarios
from parley_bench.loadgen import VirtualUser
from parley_bench.stack import Stack, running_stack

SECTIONS = (
    "auth",
    "throughput",
    "profile",
    "chat_length",
    "history",
    "streams",
    "admin_users",
)
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "results"


def _log(msg: str) -> None:
    print(f"parley-bench: {msg}", flush=True)


async def _run(
    stack: Stack, plan: scenarios.Plan, sections: set[str], data: dict[str, Any], out: Path
) -> None:
    from parley_bench import admin_users, history, profile, streams

    timings: dict[str, float] = data.setdefault("section_s", {})
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = round(time.monotonic() - clock, 1)
        clock = time.monotonic()

    users: list[VirtualUser] = []
    if "auth" in sections or "throughput" in sections:
        _log(f"auth: registering and logging in {plan.auth_users} users")
        data["auth"], users = await scenarios.auth_section(stack, plan.auth_users)
        _log(f"auth: {data['auth']['logins_per_s']} logins/s")
        lap("auth")
    if "throughput" in sections:
        for users_count, turns in plan.levels:
            _log(f"throughput: {users_count} users x {turns} turns against 4 targets")
        data["throughput"] = await scenarios.throughput_section(
            stack, plan.levels, users, plan.rounds
        )
        for row in data["throughput"]:
            _log(
                f"  {row['target']:15} {row['users']:3} users: {row['turns_per_s']} turns/s, "
                f"TTFT p50 {row['ttft_ms'].get('p50')} ms, errors {row['errors']}"
            )
        lap("throughput")
    if "profile" in sections:
        _log("profile: py-spy on the chat process and on AgentOS, 16 users")
        data["profile"] = await profile.profile_section(stack, out)
        lap("profile")
    if "chat_length" in sections:
        _log(f"chat length: a turn in a {plan.long_chat_turns}-turn chat vs a new chat")
        data["chat_length"] = await history.chat_length_section(stack, plan)
        lap("chat_length")
    if "history" in sections:
        _log(
            f"history: {plan.history_chats} chats x {plan.history_turns} turns, then "
            f"{plan.history_long_factor}x longer"
        )
        data["history"] = await history.history_section(stack, plan)
        lap("history")
    if "streams" in sections:
        _log(f"streams: {plan.streams} concurrent open streams on one chat process")
        data["streams"] = await streams.streams_section(stack, plan)
        lap("streams")
    if "admin_users" in sections:
        _log(f"admin users: {plan.admin_users:,} accounts, GET /auth/admin/users")
        data["admin_users"] = await admin_users.admin_users_section(
            stack, plan.admin_users, plan.admin_samples
        )
        for way, by_case in data["admin_users"]["ms"].items():
            for name, value in by_case.items():
                _log(f"  {way:8} {name}: p50 {value.get('p50')} ms, p95 {value.get('p95')} ms")
        lap("admin_users")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parley-bench", description=__doc__)
    parser.add_argument("--full", action="store_true", help="longer runs (default: short form)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"subset of {SECTIONS}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results folder")
    args = parser.parse_args(argv)
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    plan = scenarios.Plan.full() if args.full else scenarios.Plan.short()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out: Path = args.out / stamp
    data: dict[str, Any] = {
        "command": "parley-bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "mode": "full" if args.full else "short",
        "machine": machine.describe(),
    }
    started = time.monotonic()
    failed: BaseException | None = None
    _log("starting PostgreSQL, stub, auth, chat, Traefik and the AgentOS peer")
    try:
        with running_stack(workdir=None) as stack:
            _log(f"stack up in {time.monotonic() - started:.1f} s")
            out.mkdir(parents=True, exist_ok=True)
            try:
                asyncio.run(_run(stack, plan, sections, data, out))
            finally:
                # Keep the services' logs next to the report (the stack's folder is removed).
                shutil.copytree(stack.workdir / "logs", out / "logs", dirs_exist_ok=True)
    except Exception as exc:  # still write what was measured, then fail
        failed = exc
        data.setdefault("notes", []).append(f"the run stopped early: {type(exc).__name__}: {exc}")
    data["duration_s"] = round(time.monotonic() - started, 1)
    path = report.write_report(data, out)
    latest = args.out / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    os.symlink(stamp, latest)
    _log(f"report: {path}")
    if failed is not None:
        raise failed
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
