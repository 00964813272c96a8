"""Health, readiness, metrics, request ids in logs, CORS, and no secrets in logs."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from parley_common.logs import configure_logging
from parley_testing import assert_internal_error, broken_route, json_lines, with_database

from .conftest import BODY_DELIVERY, PASSWORD, Auth, AuthFactory


async def test_healthz_and_readyz(auth: Auth) -> None:
    health = await auth.client.get("/auth/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = await auth.client.get("/auth/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok"}


async def test_readyz_is_503_json_when_the_database_is_gone(
    make_auth: AuthFactory, database_url: str
) -> None:
    missing = with_database(database_url, "no_such_database")
    async with make_auth(DATABASE_URL=missing) as auth:
        assert (await auth.client.get("/auth/healthz")).status_code == 200
        ready = await auth.client.get("/auth/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "detail": "database unavailable"}


async def test_openapi_page_and_password_flow_are_served_under_auth(auth: Auth) -> None:
    assert (await auth.client.get("/auth/docs")).status_code == 200
    schema = (await auth.client.get("/auth/openapi.json")).json()
    flows = {
        name: scheme["flows"]["password"]["tokenUrl"]
        for name, scheme in schema["components"]["securitySchemes"].items()
    }
    assert list(flows.values()) == ["/auth/login"]
    assert {"/auth/login", "/auth/refresh", "/auth/logout", "/auth/users/{id}"} <= set(
        schema["paths"]
    )


async def test_metrics_count_requests_by_route_template_and_status(auth: Auth) -> None:
    await auth.client.get("/auth/users/6f1c1d3e-0000-4000-8000-000000000000")
    await auth.client.get("/auth/users/6f1c1d3e-0000-4000-8000-000000000001")
    await auth.client.get("/auth/healthz")
    await auth.client.get("/auth/no-such-page")
    response = await auth.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'parley_auth_http_requests_total{method="GET",route="/auth/users/{id}",status="401"} 2.0'
        in text
    )
    assert (
        'parley_auth_http_requests_total{method="GET",route="/auth/healthz",status="200"} 1.0'
        in text
    )
    assert (
        'parley_auth_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    )
    assert (
        'parley_auth_http_request_duration_seconds_count{method="GET",route="/auth/healthz"} 1.0'
        in text
    )
    assert "6f1c1d3e" not in text


async def test_logs_are_json_with_the_request_id(
    auth: Auth, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await auth.client.get("/auth/readyz", headers={"X-Request-Id": "req-abc-123"})
    assert response.headers["x-request-id"] == "req-abc-123"
    generated = (await auth.client.get("/auth/readyz")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    lines = json_lines(capsys.readouterr().out)
    [line] = [x for x in lines if x.get("request_id") == "req-abc-123"]
    assert line["event"] == "request" and line["route"] == "/auth/readyz"
    assert line["status"] == 200 and line["level"] == "info"


async def test_health_checks_are_counted_but_not_logged(
    auth: Auth, capsys: pytest.CaptureFixture[str]
) -> None:
    # The gateway checks /auth/healthz every 2 s: one log line each would drown the rest.
    response = await auth.client.get("/auth/healthz", headers={"X-Request-Id": "probe-1"})
    assert response.headers["x-request-id"] == "probe-1"
    assert not [x for x in json_lines(capsys.readouterr().out) if x.get("request_id") == "probe-1"]
    metrics = (await auth.client.get("/metrics")).text
    assert (
        'parley_auth_http_requests_total{method="GET",route="/auth/healthz",status="200"} 1.0'
        in metrics
    )


async def test_passwords_and_tokens_never_reach_the_logs(
    auth: Auth, capsys: pytest.CaptureFixture[str]
) -> None:
    await auth.register("alice@example.com")
    tokens = await auth.tokens("alice@example.com")
    await auth.login("alice@example.com", "the wrong password!!")
    rotated = (
        await auth.client.post(
            "/auth/refresh",
            json={"refresh_token": tokens["refresh_token"]},
            params={"refresh_token": "query-secret"},
            headers=BODY_DELIVERY,
        )
    ).json()
    async with auth.other_client() as elsewhere:  # a replay from another client is reuse
        await elsewhere.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    # The service's own lines (the test client's httpx logs its request URLs).
    output = "\n".join(
        json.dumps(line)
        for line in json_lines(capsys.readouterr().out)
        if line.get("logger") != "httpx"
    )
    assert "refresh_token.reuse_detected" in output  # the logs did capture this flow
    for secret in (
        PASSWORD,
        "the wrong password!!",
        tokens["access_token"],
        tokens["refresh_token"],
        rotated["refresh_token"],
        "query-secret",
    ):
        assert secret not in output


async def test_production_without_smtp_logs_no_reset_link(
    make_auth: AuthFactory, capsys: pytest.CaptureFixture[str], production: dict[str, object]
) -> None:
    async with make_auth(real_mailer=True, **production) as auth:
        await auth.register("alice@example.com")
        await auth.client.post("/auth/forgot-password", json={"email": "alice@example.com"})
        await auth.settle()
    output = capsys.readouterr().out
    assert "mail.not_sent" in output
    assert "token=" not in output and "reset-password?" not in output


async def test_development_without_smtp_logs_the_link(
    make_auth: AuthFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    async with make_auth(real_mailer=True) as auth:
        await auth.register("alice@example.com")
        await auth.client.post("/auth/forgot-password", json={"email": "alice@example.com"})
        await auth.settle()
    [line] = [x for x in json_lines(capsys.readouterr().out) if x["event"] == "mail.dev_outbox"]
    assert "/reset-password?token=" in str(line["body"])


PREFLIGHT = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}


async def test_cors_is_closed_by_default(auth: Auth) -> None:
    response = await auth.client.options("/auth/login", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in response.headers
    simple = await auth.client.get("/auth/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_allows_only_configured_origins(make_auth: AuthFactory) -> None:
    async with make_auth(CORS_ORIGINS="https://app.example") as auth:
        allowed = await auth.client.options(
            "/auth/login", headers={**PREFLIGHT, "Origin": "https://app.example"}
        )
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        other = await auth.client.options("/auth/login", headers=PREFLIGHT)
        assert "access-control-allow-origin" not in other.headers


async def test_an_unexpected_error_is_a_json_500_that_carries_the_request_id(
    auth: Auth, capsys: pytest.CaptureFixture[str]
) -> None:
    # The operator matches what a user reports (the response's id) with the error's log line.
    auth.app.add_api_route("/auth/broken", broken_route)
    transport = httpx.ASGITransport(app=auth.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/auth/broken", headers={"X-Request-Id": "req-bug-1"})
    assert_internal_error(
        response, capsys.readouterr().out, detail="Internal Server Error", request_id="req-bug-1"
    )


async def test_log_json_false_gives_console_lines(
    make_auth: AuthFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # An operator reading logs on a terminal; JSON again for the tests after this one.
    try:
        async with make_auth(LOG_JSON=False) as auth:
            capsys.readouterr()
            await auth.client.get("/auth/readyz", headers={"X-Request-Id": "console-1"})
            out = capsys.readouterr().out
    finally:
        configure_logging("INFO")
    [line] = [x for x in out.splitlines() if "console-1" in x]
    assert not line.lstrip().startswith("{")
    assert "request" in line and "/auth/readyz" in line
