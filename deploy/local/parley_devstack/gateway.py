"""Render the gateway's Traefik configuration for local processes from gateway/ and settings."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from parley_devstack.config import DevSettings

STATIC_FILE = Path("gateway") / "traefik.yml"
DYNAMIC_DIR = Path("gateway") / "dynamic"


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a YAML mapping")
    return data


def upstreams(settings: DevSettings) -> dict[str, list[str]]:
    """Server URLs of each upstream pool, as local processes listen."""
    host = settings.bind_host
    return {
        "auth": [f"http://{host}:{settings.auth_port}"],
        "chat": [f"http://{host}:{port}" for port in settings.chat_ports],
        "web": [f"http://{host}:{settings.web_port}"],
    }


def render_dynamic(source: dict[str, Any], settings: DevSettings) -> dict[str, Any]:
    """The compose routing with local upstream URLs and any rate-limit overrides."""
    config = copy.deepcopy(source)
    http = config["http"]
    for name, urls in upstreams(settings).items():
        http["services"][name]["loadBalancer"]["servers"] = [{"url": url} for url in urls]
    if not settings.web_command:
        # No web client: drop the catch-all so unknown paths get Traefik's plain 404.
        http["routers"].pop("web", None)
        http["services"].pop("web", None)
    limits = {
        "auth-rate-limit": (settings.gateway_auth_rate_average, settings.gateway_auth_rate_burst),
        "api-rate-limit": (settings.gateway_api_rate_average, settings.gateway_api_rate_burst),
    }
    for name, (average, burst) in limits.items():
        rate = http["middlewares"][name]["rateLimit"]
        if average is not None:
            rate["average"] = average
        if burst is not None:
            rate["burst"] = burst
    return config


def render_static(
    source: dict[str, Any], settings: DevSettings, dynamic_dir: Path
) -> dict[str, Any]:
    """The compose static config with local listen addresses and the rendered dynamic folder."""
    config = copy.deepcopy(source)
    host = settings.bind_host
    config["entryPoints"]["web"]["address"] = f"{host}:{settings.gateway_port}"
    config["entryPoints"]["traefik"]["address"] = f"{host}:{settings.gateway_admin_port}"
    config["providers"]["file"]["directory"] = str(dynamic_dir)
    config["log"]["format"] = "common"  # human-readable in a terminal; access log stays JSON
    return config


def write_gateway_config(settings: DevSettings) -> Path:
    """Write the rendered static + dynamic config under the data dir; return the static file."""
    root = settings.root_dir
    out = settings.data_path / "gateway"
    dynamic_out = out / "dynamic"
    dynamic_out.mkdir(parents=True, exist_ok=True)
    for stale in dynamic_out.glob("*.yml"):
        stale.unlink()
    for source in sorted((root / DYNAMIC_DIR).glob("*.yml")):
        rendered = render_dynamic(load_yaml(source), settings)
        (dynamic_out / source.name).write_text(yaml.safe_dump(rendered, sort_keys=False))
    static = render_static(load_yaml(root / STATIC_FILE), settings, dynamic_out)
    static_file = out / "traefik.yml"
    static_file.write_text(yaml.safe_dump(static, sort_keys=False))
    return static_file
