"""The markdown report and its PNG charts (matplotlib, headless)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from parley_bench import admin_users

TARGET_ORDER = ("stub", "parley-direct", "parley-gateway", "agentos")


def _row(results: list[dict[str, Any]], target: str, users: int) -> dict[str, Any] | None:
    for row in results:
        if row["target"] == target and row["users"] == users:
            return row
    return None


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 2)


def targets(data: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(target, measured, goal, met) for each goal of the issue that this run measured."""
    out: list[tuple[str, str, str, bool | None]] = []
    rows = data.get("throughput", [])
    gw16, os16 = _row(rows, "parley-gateway", 16), _row(rows, "agentos", 16)
    if gw16 and os16:
        ratio = _ratio(gw16["turns_per_s"], os16["turns_per_s"])
        out.append(
            (
                "Parley via Traefik / AgentOS turns/s at 16 users",
                f"{ratio}x ({gw16['turns_per_s']} vs {os16['turns_per_s']})",
                ">= 2x",
                ratio is not None and ratio >= 2,
            )
        )
        cpu = _ratio(gw16.get("cpu_ms_per_turn"), os16.get("cpu_ms_per_turn"))
        out.append(
            (
                "chat CPU per turn / AgentOS CPU per turn (16 users)",
                f"{cpu} ({gw16.get('cpu_ms_per_turn')} ms vs {os16.get('cpu_ms_per_turn')} ms)",
                "<= 0.5",
                cpu is not None and cpu <= 0.5,
            )
        )
    gw1, stub1 = _row(rows, "parley-gateway", 1), _row(rows, "stub", 1)
    if gw1 and stub1 and gw1["ttft_ms"] and stub1["ttft_ms"]:
        added = round(gw1["ttft_ms"]["p50"] - stub1["ttft_ms"]["p50"], 2)
        out.append(
            (
                "added TTFT over the stub alone, p50 (1 user, via Traefik)",
                f"{added} ms",
                "<= 10 ms",
                added <= 10,
            )
        )
    history = data.get("history")
    if history:
        short = history["parley"]["list_short"]
        long = history["parley"]["list_long"]
        out.append(
            (
                f"GET /api/chats p99 at {history['chats']} chats x {history['turns']} turns",
                f"{short['p99']} ms",
                "<= 20 ms",
                short["p99"] <= 20,
            )
        )
        growth = _ratio(long["p50"], short["p50"])
        out.append(
            (
                f"list p50 with {history['long_factor']}x longer chats / normal",
                f"{growth} ({long['p50']} vs {short['p50']} ms)",
                "unchanged (~1.0)",
                growth is not None and growth <= 1.3,
            )
        )
    length = data.get("chat_length")
    if length:
        ratio = _ratio(length["long"]["total_ms"]["p50"], length["new"]["total_ms"]["p50"])
        out.append(
            (
                f"turn in a {length['turns']}-turn chat / turn in a new chat (p50)",
                f"{ratio}",
                "<= 1.2",
                ratio is not None and ratio <= 1.2,
            )
        )
    if length and "window" in length:
        ratio = _ratio(length["long"]["total_ms"]["p50"], length["window"]["total_ms"]["p50"])
        out.append(
            (
                f"turn in a {length['turns']}-turn chat / in a {length['window_turns']}-turn chat "
                "(p50; only the history window is read)",
                f"{ratio}",
                "~1.0 (informative)",
                None,
            )
        )
    streams = data.get("streams")
    if streams:
        out.append(
            (
                f"{streams['streams']} open streams on one chat process",
                f"{streams['rss_delta_mb']} MB added ({streams['rss_peak_mb']} MB peak RSS), "
                f"{streams['errors']} failed",
                "<= 300 MB, none failed",
                streams["rss_peak_mb"] <= 300 and streams["errors"] == 0,
            )
        )
    return out + admin_users.targets(data)


def _fmt_p(p: dict[str, float]) -> str:
    if not p:
        return "-"
    return " / ".join(f"{p[k]:.1f}" for k in ("p50", "p95", "p99") if k in p)


def render_markdown(data: dict[str, Any], charts: list[str]) -> str:
    m = data["machine"]
    lines = [
        "# Parley benchmark report",
        "",
        f"Run `{data['command']}` at {m['when']} on commit `{m['commit']}`, "
        f"mode **{data['mode']}**, {data.get('duration_s', '?')} s.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} logical cores, {m['memory_gb']} GB RAM",
        f"- load average at start (1/5/15 min): {m['load_at_start']}",
        f"- {m['os']}, Python {m['python']}",
        "- Every process (PostgreSQL, stub, auth, chat, Traefik, AgentOS, the load generator) "
        "shares these cores on 127.0.0.1, one uvicorn worker each; the LLM stub answers with "
        "no delay, so the platform is what is measured. Compare ratios, not absolute figures.",
        "",
    ]
    goals = targets(data)
    if goals:
        lines += [
            "## Targets (ratios from this run)",
            "",
            "| target | measured | goal | met |",
            "|---|---|---|---|",
        ]
        for name, measured, goal, met in goals:
            mark = "yes" if met else ("no" if met is not None else "-")
            lines.append(f"| {name} | {measured} | {goal} | {mark} |")
        lines.append("")
    rows = data.get("throughput", [])
    if rows:
        lines += [
            "## Chat turns",
            "",
            "V users each with their own token and chat send T sequential messages and read "
            f"the streamed reply; best of {rows[0].get('rounds', 1)} interleaved rounds per "
            "target (errors summed over all rounds). TTFT = time to the first text event; "
            "times in ms (p50 / p95 / p99). CPU = server process CPU per turn (chat for "
            "Parley). DB xacts = PostgreSQL transactions per turn (pg_stat_database, includes "
            "our probe's own).",
            "",
            "| target | users | turns | errors | turns/s | TTFT ms | total ms | CPU ms/turn "
            "| DB xacts/turn |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in rows:
            lines.append(
                f"| {row['target']} | {row['users']} | {row['turns']} | {row['errors']} | "
                f"{row['turns_per_s']} | {_fmt_p(row['ttft_ms'])} | {_fmt_p(row['total_ms'])} | "
                f"{row['cpu_ms_per_turn'] if row['cpu_ms_per_turn'] is not None else '-'} | "
                f"{row.get('db_xacts_per_turn', '-')} |"
            )
        lines.append("")
    auth = data.get("auth")
    if auth:
        lines += [
            "## Auth",
            "",
            f"- {auth['logins']} logins through the gateway, {auth['login_concurrency']} in "
            f"flight, standard argon2id cost: **{auth['logins_per_s']} logins/s**. These users' "
            "tokens drive the chat load; levels above that count add tokens signed with the same "
            "key and claims.",
            f"- `/auth/healthz` idle: {_fmt_p(auth['healthz_idle_ms'])} ms; during the logins: "
            f"{_fmt_p(auth['healthz_during_logins_ms'])} ms (p50 / p95 / p99)",
            f"- token verifications (the chat service's verifier, one core): "
            f"**{auth['token_verifications_per_s']}/s**",
            *_revocation_line(auth),
            "",
        ]
    history = data.get("history")
    if history:
        p, a = history["parley"], history["agentos"]
        lines += [
            "## History",
            "",
            f"One user with {history['chats']} chats of {history['turns']} turns, then the "
            f"{history['long_chats']} most recent chats "
            f"{history['long_factor']}x longer ({history['turns'] * history['long_factor']}"
            f" turns). Page of 50, {history['samples']} sequential requests for Parley "
            "(fewer for AgentOS, which is slow), ms.",
            "",
            "| request | p50 | p95 | p99 |",
            "|---|---|---|---|",
        ]
        for label, value in (
            (f"Parley `GET /api/chats` ({history['turns']} turns)", p["list_short"]),
            (
                f"Parley `GET /api/chats` ({history['turns'] * history['long_factor']} turns)",
                p["list_long"],
            ),
            (f"AgentOS `GET /sessions` ({history['turns']} turns)", a["list_short"]),
            (
                f"AgentOS `GET /sessions` ({history['turns'] * history['long_factor']} turns)",
                a["list_long"],
            ),
        ):
            lines.append(
                f"| {label} | {value.get('p50', '-')} | {value.get('p95', '-')} | "
                f"{value.get('p99', '-')} |"
            )
        lines.append("")
    length = data.get("chat_length")
    if length:
        lines += [
            "## Chat length",
            "",
            f"One user, sequential turns: in a chat that already has {length['turns']} turns "
            f"vs in a new chat (ms, p50 / p95 / p99; {length['samples']} turns each).",
            "",
            "| chat | TTFT | total |",
            "|---|---|---|",
            f"| new | {_fmt_p(length['new']['ttft_ms'])} | {_fmt_p(length['new']['total_ms'])} |",
            *(
                [
                    f"| {length['window_turns']} turns (history window full) | "
                    f"{_fmt_p(length['window']['ttft_ms'])} | "
                    f"{_fmt_p(length['window']['total_ms'])} |"
                ]
                if "window" in length
                else []
            ),
            f"| {length['turns']} turns | {_fmt_p(length['long']['ttft_ms'])} | "
            f"{_fmt_p(length['long']['total_ms'])} |",
            "",
            f"`GET /api/chats/{{id}}` of the {length['turns']}-turn chat (via Traefik): "
            f"{_fmt_p(length['detail_ms'])} ms.",
            "",
        ]
    streams = data.get("streams")
    if streams:
        lines += [
            "## Many open streams",
            "",
            f"{streams['streams']} concurrent streams to one chat process, stub emitting a "
            f"word every {streams['delay_ms']} ms: {streams['opened']} opened, "
            f"{streams['completed']} completed, {streams['errors']} errors. Chat RSS "
            f"{streams['rss_before_mb']} MB before, {streams['rss_peak_mb']} MB peak "
            f"(**{streams['per_stream_kb']} KB per stream**). TTFT p50 / p95 / p99: "
            f"{_fmt_p(streams['ttft_ms'])} ms.",
            "",
        ]
    prof = data.get("profile")
    if (
        prof
        and prof.get("parley-chat", {}).get("samples")
        and prof.get("agentos", {}).get("samples")
    ):
        p_cat, a_cat = prof["parley-chat"]["categories"], prof["agentos"]["categories"]
        names = list(dict.fromkeys([*p_cat, *a_cat]))
        lines += [
            "## Where the server CPU goes (py-spy)",
            "",
            f"{prof['users']} users x {prof['turns']} turns; Parley's chat process (requests via "
            f"Traefik) and AgentOS, sampled at 250 Hz ({prof['parley-chat']['samples']} and "
            f"{prof['agentos']['samples']} on-CPU samples). Each sample goes to the innermost "
            "library on its stack. Flame graphs: `profile-*.svg`.",
            "",
            "| where | Parley chat % | AgentOS % |",
            "|---|---|---|",
        ]
        for name in names:
            lines.append(f"| {name} | {p_cat.get(name, 0)} | {a_cat.get(name, 0)} |")
        lines += ["", "Hottest leaf functions, Parley chat:", ""]
        lines += [f"- {pct}% `{leaf}`" for leaf, pct in prof["parley-chat"]["top_leaves"][:8]]
        lines.append("")
    lines += admin_users.markdown(data)
    notes = data.get("notes")
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    if charts:
        lines += ["## Charts", ""] + [f"![{c}]({c})" for c in charts] + [""]
    return "\n".join(lines)


def _bar_chart(path: Path, title: str, ylabel: str, rows: list[dict[str, Any]], value: Any) -> None:
    levels = sorted({r["users"] for r in rows})
    present = [t for t in TARGET_ORDER if any(r["target"] == t for r in rows)]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / max(1, len(present))
    for i, target in enumerate(present):
        values = []
        for users in levels:
            row = _row(rows, target, users)
            values.append(value(row) if row else 0)
        xs = [x + i * width for x in range(len(levels))]
        ax.bar(xs, values, width, label=target)
    ax.set_xticks([x + width * (len(present) - 1) / 2 for x in range(len(levels))])
    ax.set_xticklabels([f"{u} users" for u in levels])
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render_charts(data: dict[str, Any], out: Path) -> list[str]:
    charts: list[str] = []
    rows = [r for r in data.get("throughput", []) if r["ok"]]
    if rows:
        platform_rows = [r for r in rows if r["target"] != "stub"]
        _bar_chart(
            out / "turns_per_s.png",
            "Chat turns per second (the stub alone: see the table)",
            "turns/s",
            platform_rows,
            lambda r: r["turns_per_s"],
        )
        charts.append("turns_per_s.png")
        _bar_chart(
            out / "ttft_p50.png",
            "Time to first token, p50",
            "ms",
            rows,
            lambda r: r["ttft_ms"].get("p50", 0),
        )
        charts.append("ttft_p50.png")
        cpu_rows = [r for r in rows if r.get("cpu_ms_per_turn") is not None]
        if cpu_rows:
            _bar_chart(
                out / "cpu_per_turn.png",
                "Server CPU per turn",
                "ms",
                cpu_rows,
                lambda r: r["cpu_ms_per_turn"],
            )
            charts.append("cpu_per_turn.png")
    history = data.get("history")
    if history:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        labels = [f"{history['turns']} turns", f"{history['turns'] * history['long_factor']} turns"]
        for i, (name, key) in enumerate(
            (("Parley /api/chats", "parley"), ("AgentOS /sessions", "agentos"))
        ):
            values = [
                history[key]["list_short"].get("p50", 0),
                history[key]["list_long"].get("p50", 0),
            ]
            ax.bar([x + i * 0.4 for x in range(2)], values, 0.4, label=name)
        ax.set_xticks([0.2, 1.2])
        ax.set_xticklabels(labels)
        ax.set_ylabel("ms (p50)")
        ax.set_yscale("log")
        ax.set_title(f"Chat list, page of 50, {history['chats']} chats")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "history_list.png", dpi=110)
        plt.close(fig)
        charts.append("history_list.png")
    return charts


def write_report(data: dict[str, Any], out: Path) -> Path:
    """Write ``report.md``, ``results.json`` and the charts into ``out``; return the report."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(data, indent=2))
    charts = render_charts(data, out)
    report = out / "report.md"
    report.write_text(render_markdown(data, charts))
    return report


def _revocation_line(auth: dict[str, Any]) -> list[str]:
    """The verifier with the account-revocation state next to it without (older results
    have no such measurement)."""
    checked = auth.get("token_verifications_with_revocations_per_s")
    if not checked:
        return []
    ratio = checked / auth["token_verifications_per_s"]
    return [
        f"- the same with {auth['revocation_state_users']:,} users in the revocation state "
        f"(token version and deletion checked per request): **{checked}/s** "
        f"({ratio:.2f}x the rate without; the check alone: "
        f"{auth.get('revocation_check_ns', '-')} ns per request)"
    ]
