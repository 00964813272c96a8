"""JSON lines on stdout; exceptions as their stack only; noisy libraries kept down."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from parley_common.logs import configure_logging


@pytest.fixture(autouse=True)
def json_logs() -> Iterator[None]:
    configure_logging("INFO")
    yield
    configure_logging("INFO")


def lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_structlog_and_stdlib_records_are_json_with_context(
    capsys: pytest.CaptureFixture[str],
) -> None:
    structlog.contextvars.bind_contextvars(request_id="req-1")
    try:
        structlog.get_logger("parley.test").info("hello", n=1)
        logging.getLogger("some.library").warning("plain %s", "record")
    finally:
        structlog.contextvars.clear_contextvars()
    mine, foreign = lines(capsys.readouterr().out)
    assert mine["event"] == "hello" and mine["n"] == 1 and mine["request_id"] == "req-1"
    assert mine["level"] == "info" and "timestamp" in mine
    assert foreign["event"] == "plain record" and foreign["logger"] == "some.library"
    assert foreign["level"] == "warning" and foreign["request_id"] == "req-1"


def test_an_exception_is_logged_as_its_stack_without_message_or_locals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def fails() -> None:
        token = "Bearer do-not-log"
        raise RuntimeError(f"bug near {token}")

    try:
        fails()
    except RuntimeError:
        structlog.get_logger("parley.test").exception("unhandled_error")
        logging.getLogger("some.library").exception("failed")
    out = capsys.readouterr().out
    ours, theirs = lines(out)
    for line in (ours, theirs):
        assert "in fails" in str(line["exception"])
        assert str(line["exception"]).endswith("RuntimeError")
    assert "do-not-log" not in out


def test_console_logs_show_the_stack_without_values(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json_logs=False)
    try:
        secret = "secret-message"
        raise RuntimeError(secret)
    except RuntimeError:
        structlog.get_logger("parley.test").exception("unhandled_error")
    out = capsys.readouterr().out
    assert "RuntimeError" in out and "secret-message" not in out


def test_the_level_applies_to_both_kinds_of_records(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING")
    structlog.get_logger("parley.test").info("dropped")
    logging.getLogger("some.library").info("dropped too")
    structlog.get_logger("parley.test").warning("kept")
    assert [x["event"] for x in lines(capsys.readouterr().out)] == ["kept"]


def test_quiet_and_critical_only_loggers(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", quiet=["noisy.client"], critical_only=["leaky.lib"])
    configure_logging("INFO", quiet=["noisy.client"], critical_only=["leaky.lib"])  # idempotent
    noisy, leaky = logging.getLogger("noisy.client"), logging.getLogger("leaky.lib")
    noisy.info("one line per request")
    noisy.warning("worth seeing")
    # A library that resets its own level (agno does, per run) still stays quiet.
    leaky.setLevel(logging.DEBUG)
    leaky.error("provider said: sk-secret")
    leaky.critical("cannot go on")
    assert [x["event"] for x in lines(capsys.readouterr().out)] == ["worth seeing", "cannot go on"]
    assert len(leaky.filters) == 1


def test_uvicorn_access_log_is_off() -> None:
    assert logging.getLogger("uvicorn.access").disabled
