"""Read a service's JSON log lines back, and check what the shared 500 handler answers and logs."""

from __future__ import annotations

import json
from typing import Any

import httpx

NOT_LOGGED = "do-not-log"


def json_lines(output: str) -> list[dict[str, Any]]:
    """The JSON log lines in captured output (other lines, e.g. from pytest, skipped)."""
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


async def broken_route() -> None:
    """A route to add to a service under test: fails with a secret in a local and the message."""
    token = f"Bearer {NOT_LOGGED}"  # neither locals nor the message may reach the logs
    raise RuntimeError(f"bug near {token}")


def assert_internal_error(
    response: httpx.Response, output: str, *, detail: str, request_id: str
) -> None:
    """``response`` from ``broken_route`` and the captured ``output`` are what
    ``parley_common.middleware.internal_error_handler`` promises.

    A JSON 500 with the service's ``detail`` that echoes ``X-Request-Id``; one
    ``unhandled_error`` and one ``request`` 500 line carry the id, so the operator matches what a
    user reports with the error. The stack tells the operator where (``in broken_route``, then
    the exception type); what the user sent stays out: no message, no local values.
    """
    assert response.status_code == 500
    assert response.json() == {"detail": detail}
    assert response.headers["x-request-id"] == request_id
    lines = [x for x in json_lines(output) if x.get("request_id") == request_id]
    assert {(x["event"], x.get("status")) for x in lines} == {
        ("unhandled_error", None),
        ("request", 500),
    }
    [error] = [str(x["exception"]) for x in lines if x["event"] == "unhandled_error"]
    assert f"in {broken_route.__name__}" in error and error.endswith("RuntimeError")
    assert NOT_LOGGED not in output
