"""docker-compose.yml is valid compose and keeps its promises (no Docker engine needed)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from parley_deploy_checks import REPO_ROOT, load_yaml, run_tool

COMPOSE = REPO_ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE)


def test_compose_file_matches_the_compose_spec_schema() -> None:
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_stack_has_every_part_with_health_and_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {
        "postgres",
        "keys",
        "auth-migrate",
        "chat-migrate",
        "auth",
        "chat",
        "web",
        "traefik",
    } <= set(services)
    for name in ("postgres", "auth", "chat", "web", "traefik"):
        assert "healthcheck" in services[name], name
    assert (
        services["auth"]["depends_on"]["auth-migrate"]["condition"]
        == "service_completed_successfully"
    )
    assert (
        services["chat"]["depends_on"]["chat-migrate"]["condition"]
        == "service_completed_successfully"
    )
    assert (
        services["auth-migrate"]["depends_on"]["keys"]["condition"]
        == "service_completed_successfully"
    )
    assert services["auth-migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "postgres-data" in compose["volumes"]


def test_traefik_is_the_official_image_with_the_gateway_files(compose: dict[str, Any]) -> None:
    traefik = compose["services"]["traefik"]
    assert re.fullmatch(r"traefik:v3(\.\d+)*", traefik["image"])
    mounts = {v.split(":")[1] for v in traefik["volumes"]}
    # The static config is the flags (test_compose_gateway.py); the routing is gateway/dynamic.
    assert {"/etc/traefik/dynamic/routing", "/plugins-local"} <= mounts
    # The private entrypoint (8082) is published on the host's loopback only.
    private = [p for p in traefik["ports"] if p.endswith(":8082")]
    assert private and all(p.startswith("127.0.0.1:") for p in private)


def test_chat_can_be_scaled(compose: dict[str, Any]) -> None:
    """`--scale chat=3` needs no fixed container name and no host port on chat."""
    chat = compose["services"]["chat"]
    assert "container_name" not in chat and "ports" not in chat


def test_private_key_is_mounted_into_auth_only(compose: dict[str, Any]) -> None:
    users = {
        name
        for name, service in compose["services"].items()
        if any(str(v).startswith("keys:") for v in service.get("volumes", []))
    }
    assert users == {"keys", "auth-migrate", "auth"}
    assert "AUTH_JWKS_URL" in compose["services"]["chat"]["environment"]


def test_no_secret_values_are_written_in_the_file(compose: dict[str, Any]) -> None:
    """Secrets come from the environment (.env), never from the file itself."""
    checked = 0
    for service in compose["services"].values():
        environment = service.get("environment", {})
        for name, value in environment.items():
            if re.search(r"SECRET|PASSWORD|DATABASE_URL", name):
                assert "${" in str(value), name
                checked += 1
    assert checked >= 5


def test_our_images_are_built_never_pulled(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if str(service.get("image", "")).startswith("parley/"):
            assert "build" in service, name
            assert service.get("read_only") is True and service.get("cap_drop") == ["ALL"], name
