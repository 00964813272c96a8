"""The real Traefik binary loads gateway/ and routes as promised (upstreams: recording servers).

The system tests repeat the important parts against the real services; these run without them.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml
from parley_deploy_checks import REPO_ROOT
from parley_devstack import DevSettings, ProcessGroup, ProcessSpec
from parley_devstack.gateway import write_gateway_config
from parley_devstack.ports import free_port_block
from parley_devstack.stack import executable


class Recorder(BaseHTTPRequestHandler):
    """Answers with which upstream got the request; /api/stream sends five spaced SSE events."""

    upstream = "?"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path == "/api/stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            for i in range(5):
                self.wfile.write(f"id: {i}\ndata: {time.monotonic()}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.15)
            self.close_connection = True
            return
        body = json.dumps(
            {
                "upstream": self.upstream,
                "path": self.path,
                "request_id": self.headers.get("X-Request-Id"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


@dataclass
class Gateway:
    public: str
    admin: str
    log: Path


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    base = free_port_block(5)
    settings = DevSettings(
        gateway_port=base,
        gateway_admin_port=base + 1,
        auth_port=base + 2,
        chat_port=base + 3,
        web_port=base + 4,
        web_mode="dev",
        data_dir=tmp_path_factory.mktemp("gateway-data"),
        _env_file=None,  # type: ignore[call-arg]
    )
    servers = []
    for name, port in (("auth", base + 2), ("chat", base + 3), ("web", base + 4)):
        handler = type(f"{name}Recorder", (Recorder,), {"upstream": name})
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    config = write_gateway_config(settings)
    spec = ProcessSpec(
        "traefik",
        [executable("traefik"), f"--configFile={config}"],
        cwd=settings.root_dir / "gateway",
        ready_url=f"{settings.admin_url}/ping",
    )
    logs = tmp_path_factory.mktemp("gateway-logs")
    with ProcessGroup([spec], logs) as group:
        _wait_routers(settings.admin_url)
        yield Gateway(settings.gateway_url, settings.admin_url, group.log("traefik"))
    for server in servers:
        server.shutdown()


def _wait_routers(admin: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = httpx.get(f"{admin}/api/http/routers")
        # /ping answers before the API router exists: a 404 here means "not yet".
        file_routers = (
            [r for r in answer.json() if r["provider"] == "file"] if answer.is_success else []
        )
        if len(file_routers) == 4:
            return
        time.sleep(0.1)
    raise TimeoutError("Traefik did not load the file provider's routers")


def test_traefik_loads_every_router_and_middleware_without_errors(gateway: Gateway) -> None:
    routers = {r["name"]: r for r in httpx.get(f"{gateway.admin}/api/http/routers").json()}
    for name in ("auth@file", "auth-sensitive@file", "api@file", "web@file"):
        assert routers[name]["status"] == "enabled", routers[name]
        assert "error" not in routers[name]
    middlewares = httpx.get(f"{gateway.admin}/api/http/middlewares").json()
    names = {m["name"]: m for m in middlewares if m["provider"] == "file"}
    assert set(names) == {
        "request-id@file",
        "client-body@file",
        "security-headers@file",
        "auth-rate-limit@file",
        "api-rate-limit@file",
        "retry@file",
    }
    assert all(m["status"] == "enabled" for m in names.values())
    log = gateway.log.read_text()
    assert not re.search(r"\bERR\b|level=error|\"level\":\"error\"", log), log[-2000:]


@pytest.mark.parametrize(
    ("path", "upstream"),
    [
        ("/auth", "auth"),
        ("/auth/users/me", "auth"),
        ("/auth/login", "auth"),
        ("/auth/reset-password", "auth"),
        # The services' own feed is never reachable from outside.
        ("/auth/internal/account-changes", "web"),
        ("/auth/internal", "web"),
        ("/api", "chat"),
        ("/api/chats", "chat"),
        ("/apix", "web"),
        ("/authx", "web"),
        ("/", "web"),
        ("/chats/1", "web"),
        ("/metrics", "web"),
    ],
)
def test_paths_reach_the_right_upstream_unchanged(
    gateway: Gateway, path: str, upstream: str
) -> None:
    answer = httpx.get(gateway.public + path).json()
    assert answer["upstream"] == upstream
    assert answer["path"] == path  # no prefix stripping


def test_request_id_is_set_passed_on_and_kept(gateway: Gateway) -> None:
    fresh = httpx.get(f"{gateway.public}/api/chats")
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["X-Request-Id"])
    assert fresh.json()["request_id"] == fresh.headers["X-Request-Id"]
    kept = httpx.get(f"{gateway.public}/api/chats", headers={"X-Request-Id": "trace-abc.1"})
    assert kept.json()["request_id"] == "trace-abc.1" == kept.headers["X-Request-Id"]
    odd = httpx.get(f"{gateway.public}/api/chats", headers={"X-Request-Id": "a b<script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.json()["request_id"])


def test_access_log_is_json_with_the_request_id(gateway: Gateway) -> None:
    httpx.get(f"{gateway.public}/api/chats", headers={"X-Request-Id": "access-log-check"})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in gateway.log.read_text().splitlines():
            if line.startswith("{") and "access-log-check" in line:
                entry = json.loads(line)
                assert entry["request_X-Request-Id"] == "access-log-check"
                assert entry["RouterName"] == "api@file" and entry["DownstreamStatus"] == 200
                assert "request_Authorization" not in entry  # headers are dropped by default
                return
        time.sleep(0.1)
    raise AssertionError("no JSON access-log line for the request")


def test_nothing_buffers_or_compresses_and_streams_are_not_cut() -> None:
    dynamic = yaml.safe_load((REPO_ROOT / "gateway" / "dynamic" / "parley.yml").read_text())
    kinds = {kind for mw in dynamic["http"]["middlewares"].values() for kind in mw}
    assert kinds.isdisjoint({"buffering", "compress"}), kinds
    static = yaml.safe_load((REPO_ROOT / "gateway" / "traefik.yml").read_text())
    timeouts = static["entryPoints"]["web"]["transport"]["respondingTimeouts"]
    assert timeouts["writeTimeout"] in ("0s", 0)
    # Idle upstream connections close before the services' keep-alive (uvicorn: 5 s) ends.
    forwarding = static["serversTransport"]["forwardingTimeouts"]
    assert forwarding["idleConnTimeout"] == "4s"


def test_security_headers_on_every_route(gateway: Gateway) -> None:
    for path in ("/", "/api/chats", "/auth/login"):
        headers = httpx.get(gateway.public + path).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_ping_metrics_and_dashboard_only_on_the_private_entrypoint(gateway: Gateway) -> None:
    assert httpx.get(f"{gateway.admin}/ping").text == "OK"
    assert "traefik_" in httpx.get(f"{gateway.admin}/metrics").text
    assert httpx.get(f"{gateway.admin}/dashboard/").status_code == 200
    for path in ("/ping", "/metrics", "/dashboard/"):
        # On the public entrypoint these are ordinary paths that go to the web client.
        assert httpx.get(gateway.public + path).json()["upstream"] == "web"
    # /api/rawdata would be Traefik's own API on an insecure setup; here it is chat's path.
    assert httpx.get(f"{gateway.public}/api/rawdata").json()["upstream"] == "chat"


def test_event_stream_passes_through_event_by_event(gateway: Gateway) -> None:
    # (arrived, sent): the recorder runs in this process and writes its send time as data.
    stamps: list[tuple[float, float]] = []
    with httpx.stream("GET", f"{gateway.public}/api/stream", timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                stamps.append((time.monotonic(), float(line[6:])))
    assert len(stamps) == 5
    # Not buffered into one lump: the first event arrived before the last was even written.
    assert stamps[0][0] < stamps[-1][1], stamps


def test_login_rate_limit_answers_429_with_retry_after(gateway: Gateway) -> None:
    transport = httpx.HTTPTransport(local_address="127.0.0.7")  # its own client IP
    with httpx.Client(transport=transport) as client:
        answers = [client.post(f"{gateway.public}/auth/login") for _ in range(40)]
        limited = [a for a in answers if a.status_code == 429]
        assert limited, [a.status_code for a in answers]
        assert int(limited[0].headers["Retry-After"]) >= 1
        # Other auth paths are not limited this tightly.
        assert all(
            client.get(f"{gateway.public}/auth/users/me").status_code == 200 for _ in range(40)
        )
