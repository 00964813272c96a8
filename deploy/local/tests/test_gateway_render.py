"""`make dev` renders the compose routing with local upstreams from its settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from parley_devstack import DevSettings
from parley_devstack.gateway import write_gateway_config


def render(tmp_path: Path, **values: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    settings = DevSettings(data_dir=tmp_path, _env_file=None, **values)  # type: ignore[call-arg]
    static_file = write_gateway_config(settings)
    static = yaml.safe_load(static_file.read_text())
    dynamic_dir = Path(static["providers"]["file"]["directory"])
    dynamic = yaml.safe_load((dynamic_dir / "parley.yml").read_text())
    return static, dynamic


def servers(dynamic: dict[str, Any], service: str) -> list[str]:
    return [s["url"] for s in dynamic["http"]["services"][service]["loadBalancer"]["servers"]]


def test_ports_come_from_settings(tmp_path: Path) -> None:
    static, dynamic = render(
        tmp_path,
        gateway_port=9080,
        gateway_admin_port=9082,
        auth_port=9001,
        chat_port=9002,
        chat_processes=2,
        web_port=9300,
        web_mode="dev",
    )
    assert static["entryPoints"]["web"]["address"] == "127.0.0.1:9080"
    assert static["entryPoints"]["traefik"]["address"] == "127.0.0.1:9082"
    assert static["entryPoints"]["web"]["transport"]["respondingTimeouts"]["writeTimeout"] == "0s"
    assert servers(dynamic, "auth") == ["http://127.0.0.1:9001"]
    assert servers(dynamic, "chat") == ["http://127.0.0.1:9002", "http://127.0.0.1:9003"]
    assert servers(dynamic, "web") == ["http://127.0.0.1:9300"]
    # Health checks and middlewares are those of gateway/dynamic/parley.yml.
    assert (
        dynamic["http"]["services"]["chat"]["loadBalancer"]["healthCheck"]["path"] == "/api/healthz"
    )
    assert dynamic["http"]["middlewares"]["auth-rate-limit"]["rateLimit"]["average"] == 30


def test_rate_limits_can_be_raised_for_test_suites(tmp_path: Path) -> None:
    _, dynamic = render(tmp_path, gateway_auth_rate_average=1000, gateway_api_rate_burst=5000)
    assert dynamic["http"]["middlewares"]["auth-rate-limit"]["rateLimit"]["average"] == 1000
    assert dynamic["http"]["middlewares"]["api-rate-limit"]["rateLimit"]["burst"] == 5000


def test_without_a_web_client_there_is_no_catch_all(tmp_path: Path) -> None:
    _, dynamic = render(tmp_path, web_mode="off")
    assert "web" not in dynamic["http"]["routers"]
    assert "web" not in dynamic["http"]["services"]
