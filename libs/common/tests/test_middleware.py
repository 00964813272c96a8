"""Request ids, access lines and HTTP metrics from the one request middleware."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from parley_common.logs import configure_logging
from parley_common.metrics import HttpMetrics
from parley_common.middleware import (
    RequestMiddleware,
    RouteTemplates,
    internal_error_handler,
    request_id_from,
)
from prometheus_client import generate_latest
from starlette.types import Receive, Scope, Send

HEX_ID = re.compile(r"[0-9a-f]{32}")


def build_app() -> FastAPI:
    configure_logging("INFO")
    app = FastAPI()
    metrics = HttpMetrics("demo")
    app.state.metrics = metrics
    users = APIRouter()

    @users.get("/{user_id}")
    async def user(user_id: str, request: Request) -> dict[str, str]:
        return {"id": user_id, "request_id": request.state.request_id}

    @app.get("/demo/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def exposition() -> Response:
        return Response(generate_latest(metrics.registry), media_type="text/plain")

    @app.get("/demo/broken")
    async def broken() -> None:
        secret = "do-not-log"
        raise RuntimeError(secret)

    app.include_router(users, prefix="/demo/users")
    app.add_exception_handler(Exception, internal_error_handler("internal error", "demo.app"))
    app.add_middleware(
        RequestMiddleware,
        metrics=metrics,
        templates=RouteTemplates(app),
        logger="demo.access",
        quiet_routes={"/demo/healthz"},
    )
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def access_lines(out: str) -> list[dict[str, object]]:
    logged = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [x for x in logged if x.get("event") == "request"]


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("trace-abc.1", True),
        ("a:b_c-D.9", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("a b<script>", False),
        ("abc\n", False),
        ("", False),
        ("é", False),
    ],
)
def test_one_rule_for_incoming_request_ids(incoming: str, kept: bool) -> None:
    headers = [(b"x-request-id", incoming.encode("utf-8"))]
    got = request_id_from(headers)
    assert (got == incoming) is kept
    if not kept:
        assert HEX_ID.fullmatch(got)


def test_without_a_header_a_new_id() -> None:
    first, second = request_id_from([]), request_id_from([(b"accept", b"*/*")])
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


async def test_the_id_is_echoed_logged_and_in_request_state(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await client.get("/demo/users/42?token=secret", headers={"X-Request-Id": "req-1"})
    assert response.headers["x-request-id"] == "req-1"
    assert response.json() == {"id": "42", "request_id": "req-1"}
    [line] = access_lines(capsys.readouterr().out)
    assert line["request_id"] == "req-1" and line["route"] == "/demo/users/{user_id}"
    assert line["method"] == "GET" and "path" not in line
    assert line["status"] == 200 and isinstance(line["duration_ms"], float)
    assert "secret" not in json.dumps(line)  # the query string is never logged


async def test_metrics_by_route_template_with_unmatched_and_quiet_paths(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await client.get("/demo/users/1")
    await client.get("/demo/users/2")
    await client.get("/demo/healthz", headers={"X-Request-Id": "probe-1"})
    await client.get("/wp-admin/setup.php")
    await client.get("/metrics")
    text = (await client.get("/metrics")).text
    series = 'parley_demo_http_requests_total{method="GET",route="%s",status="%s"} %s'
    assert series % ("/demo/users/{user_id}", 200, "2.0") in text
    assert series % ("/demo/healthz", 200, "1.0") in text
    assert series % ("unmatched", 404, "1.0") in text
    assert 'parley_demo_http_request_duration_seconds_count{method="GET",route="unmatched"}' in text
    assert 'route="/metrics"' not in text and "wp-admin" not in text
    logged = access_lines(capsys.readouterr().out)
    # Health checks are counted, not logged; /metrics is neither.
    assert [x["route"] for x in logged] == ["/demo/users/{user_id}"] * 2 + ["unmatched"]


async def test_an_unexpected_error_is_a_500_with_the_id_counted_and_logged(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await client.get("/demo/broken", headers={"X-Request-Id": "req-bug"})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}
    assert response.headers["x-request-id"] == "req-bug"
    out = capsys.readouterr().out
    logged = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    ours = [x for x in logged if x.get("logger") != "httpx" and x.get("request_id") == "req-bug"]
    mine = {(x["event"], x.get("status")) for x in ours}
    assert mine == {("unhandled_error", None), ("request", 500)}
    assert "do-not-log" not in out
    text = (await client.get("/metrics")).text
    assert 'route="/demo/broken",status="500"} 1.0' in text


async def test_non_http_scopes_pass_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    app = FastAPI()
    middleware = RequestMiddleware(
        inner, HttpMetrics("demo"), RouteTemplates(app), logger="demo.access"
    )
    await middleware({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"]


async def test_the_id_does_not_outlive_its_request(client: httpx.AsyncClient) -> None:
    # An in-process client shares the app's context: its own log lines must not carry the id.
    await client.get("/demo/users/1", headers={"X-Request-Id": "req-once"})
    assert "request_id" not in structlog.contextvars.get_contextvars()
