"""The benchmark's own tools: percentiles, the load generator against the real stub, the report."""

from __future__ import annotations

from pathlib import Path

from parley_bench.loadgen import StubTarget, VirtualUser, percentiles, run_load
from parley_bench.report import write_report
from parley_testing import LlmStub


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentiles(values) == {"p50": 50.0, "p95": 95.0, "p99": 99.0}
    assert percentiles([]) == {}


async def test_load_generator_reads_every_streamed_reply(llm_stub: LlmStub) -> None:
    users = [VirtualUser(str(i)) for i in range(4)]
    root = llm_stub.base_url.removesuffix("/v1")

    result = await run_load(StubTarget(), root, users, 3)

    assert len(result.turns) == 12 and result.errors == 0
    assert all(t.ttft is not None and t.ttft <= t.total for t in result.turns)
    summary = result.summary()
    assert summary["ok"] == 12 and summary["turns_per_s"] > 0


async def test_a_failing_turn_is_counted_as_an_error(llm_stub: LlmStub) -> None:
    root = llm_stub.base_url.removesuffix("/v1")
    result = await run_load(
        StubTarget(), root, [VirtualUser("u")], 2, message=lambda u, t: "boom [stub:cut]"
    )
    assert result.errors == 2 and not result.ok_turns


def test_report_has_tables_targets_and_charts(tmp_path: Path, machine: dict[str, object]) -> None:
    row = {
        "users": 16,
        "turns": 10,
        "ok": 10,
        "errors": 0,
        "turns_per_s": 40.0,
        "ttft_ms": {"p50": 5.0, "p95": 6.0, "p99": 7.0},
        "total_ms": {"p50": 9.0, "p95": 10.0, "p99": 11.0},
    }
    data = {
        "command": "parley-bench",
        "mode": "short",
        "machine": machine,
        "throughput": [
            {**row, "target": "parley-gateway", "cpu_ms_per_turn": 10.0},
            {**row, "target": "agentos", "turns_per_s": 10.0, "cpu_ms_per_turn": 30.0},
        ],
    }
    report = write_report(data, tmp_path).read_text()
    assert (
        "| Parley via Traefik / AgentOS turns/s at 16 users | 4.0x (40.0 vs 10.0) | >= 2x | yes |"
        in report
    )
    assert (tmp_path / "turns_per_s.png").stat().st_size > 1000
    assert "![turns_per_s.png](turns_per_s.png)" in report
