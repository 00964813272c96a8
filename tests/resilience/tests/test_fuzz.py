"""Schemathesis against both services' OpenAPI documents, with valid tokens: no 5xx, and every
status, content type and body an operation answers is one its document declares."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from parley_bench.stack import Stack
from parley_resilience import make_users, soak
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def _fuzz_operation(
    operation: Any, base_url: str, headers: dict[str, str], examples: int, failures: list[str]
) -> None:
    """Run ``examples`` cases of one operation; every failure lands in ``failures``.

    The operation is bound by this function's scope: @given refuses a function with defaults.
    """
    recorded = len(failures)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=15)
        except Exception as exc:  # collect every operation's failure, report them all
            failure = f"{operation.label}: {str(exc).strip()[:400]}"
            if failure not in failures:
                failures.append(failure)
            raise

    try:
        run()
    except Exception as exc:
        if len(failures) == recorded:  # not a response's failure: the run itself broke
            failures.append(f"{operation.label}: could not run: {exc!r}"[:400])


def _fuzz(schema_url: str, base_url: str, headers: dict[str, str], examples: int) -> list[str]:
    schema = schemathesis.openapi.from_url(schema_url)
    failures: list[str] = []
    operations = [op.ok() for op in schema.get_all_operations()]  # type: ignore[union-attr]
    assert operations, "the OpenAPI document lists no operation"
    for operation in operations:
        _fuzz_operation(operation, base_url, headers, examples, failures)
    return failures


@pytest.mark.parametrize("service", ["auth", "chat"])
async def test_openapi_fuzzing_finds_no_server_error(
    stack: Stack, gateway: httpx.AsyncClient, service: str
) -> None:
    (user,) = await make_users(gateway, 1)
    if service == "auth":
        schema_url = f"{stack.auth_url}/auth/openapi.json"
        base = stack.auth_url
    else:
        schema_url = f"{stack.chat_urls[0]}/api/openapi.json"
        base = stack.chat_urls[0]
    import asyncio

    failures = await asyncio.to_thread(_fuzz, schema_url, base, user.headers, 40 if soak() else 8)
    assert failures == [], "\n\n".join(failures)
