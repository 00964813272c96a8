"""The compose gateway: gateway/traefik.yml as flags plus TLS, the https redirect and the
trusted proxies from .env; the real Traefik runs with exactly those flags.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import shutil
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from parley_deploy_checks import REPO_ROOT, load_yaml
from parley_deploy_checks.compose import flag_options, flatten_static, interpolate
from parley_devstack import DevSettings, ProcessGroup, ProcessSpec
from parley_devstack.gateway import write_gateway_config
from parley_devstack.ports import free_port_block
from parley_devstack.stack import executable

TRUSTED_PROXIES = "10.0.0.0/8,192.168.7.0/24"


@pytest.fixture(scope="module")
def traefik_service() -> dict[str, Any]:
    service: dict[str, Any] = load_yaml(REPO_ROOT / "docker-compose.yml")["services"]["traefik"]
    return service


def test_flags_say_everything_gateway_traefik_yml_says(traefik_service: dict[str, Any]) -> None:
    flags = flag_options(traefik_service["command"])
    for name, value in flatten_static(load_yaml(REPO_ROOT / "gateway" / "traefik.yml")).items():
        assert flags.get(name, "").lower() == value.lower(), name
    # `websecure` is `web` plus TLS, on its own port and without the redirect.
    web = {k.removeprefix("entrypoints.web."): v for k, v in flags.items() if ".web." in k}
    secure = {
        k.removeprefix("entrypoints.websecure."): v for k, v in flags.items() if ".websecure." in k
    }
    assert {k: v for k, v in web.items() if not k.startswith("http.redirections.")} == {
        **{k: v for k, v in secure.items() if k != "http.tls"},
        "address": ":8080",
    }
    assert secure["address"] == ":8443" and secure["http.tls"] == "true"


def test_no_static_file_hides_the_flags(traefik_service: dict[str, Any]) -> None:
    # Traefik reads /etc/traefik/traefik.yml when present and then ignores every flag.
    targets = [interpolate(v, {}).split(":")[1] for v in traefik_service["volumes"]]
    assert not any(re.fullmatch(r"/etc/traefik/traefik\.ya?ml|/traefik\.ya?ml", t) for t in targets)
    assert "/etc/traefik/dynamic/routing" in targets and "/certs" in targets


def test_services_trust_forwarded_headers_from_the_gateway_only(
    traefik_service: dict[str, Any],
) -> None:
    compose = load_yaml(REPO_ROOT / "docker-compose.yml")
    gateway_ip = interpolate(traefik_service["networks"]["default"]["ipv4_address"], {})
    [pool] = compose["networks"]["default"]["ipam"]["config"]
    subnet = ipaddress.ip_network(interpolate(pool["subnet"], {}))
    dynamic = ipaddress.ip_network(interpolate(pool["ip_range"], {}))
    address = ipaddress.ip_address(gateway_ip)
    # Inside the network, outside the range Docker hands out: no container can take it first.
    assert address in subnet and address not in dynamic
    for name in ("auth", "chat"):
        allowed = interpolate(compose["services"][name]["environment"]["FORWARDED_ALLOW_IPS"], {})
        assert allowed == gateway_ip, name


def self_signed(directory: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "parley.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "tls.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return directory / "tls.crt"


@dataclass
class ComposeGateway:
    http: str
    https: str
    admin: str
    https_port: int
    ca: Path
    log: Path


@pytest.fixture(scope="module")
def compose_gateway(
    traefik_service: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ComposeGateway]:
    tmp = tmp_path_factory.mktemp("compose-gateway")
    base = free_port_block(6)
    http_port, https_port, admin_port = base, base + 1, base + 2
    # The routing as compose mounts it, with local (unanswered) upstreams.
    settings = DevSettings(
        gateway_port=http_port,
        gateway_admin_port=admin_port,
        auth_port=base + 3,
        chat_port=base + 4,
        web_port=base + 5,
        web_mode="dev",
        data_dir=tmp / "data",
        _env_file=None,  # type: ignore[call-arg]
    )
    write_gateway_config(settings)
    dynamic = tmp / "dynamic"
    shutil.copytree(settings.data_path / "gateway" / "dynamic", dynamic / "routing")
    (dynamic / "tls").mkdir()
    certs = tmp / "certs"
    ca = self_signed(certs)
    tls = (REPO_ROOT / "deploy" / "compose" / "tls.yml").read_text()
    (dynamic / "tls" / "tls.yml").write_text(tls.replace("/certs/", f"{certs}/"))

    env = {"TRUSTED_PROXIES": TRUSTED_PROXIES, "PARLEY_HTTPS_PORT": str(https_port)}
    local = {
        "--entrypoints.web.address=:8080": f"--entrypoints.web.address=127.0.0.1:{http_port}",
        "--entrypoints.websecure.address=:8443": (
            f"--entrypoints.websecure.address=127.0.0.1:{https_port}"
        ),
        "--entrypoints.traefik.address=:8082": (
            f"--entrypoints.traefik.address=127.0.0.1:{admin_port}"
        ),
        "--providers.file.directory=/etc/traefik/dynamic": (
            f"--providers.file.directory={dynamic}"
        ),
    }
    flags = [interpolate(f, env) for f in traefik_service["command"]]
    flags = [local.get(f, f) for f in flags]
    admin = f"http://127.0.0.1:{admin_port}"
    # As compose's working_dir `/`: plugins-local beside, no traefik.yml (it would win).
    workdir = tmp / "workdir"
    shutil.copytree(REPO_ROOT / "gateway" / "plugins-local", workdir / "plugins-local")
    spec = ProcessSpec(
        "traefik",
        [executable("traefik"), *flags],
        cwd=workdir,
        ready_url=f"{admin}/ping",
    )
    with ProcessGroup([spec], tmp / "logs") as group:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            answer = httpx.get(f"{admin}/api/http/routers")
            if answer.is_success and sum(r["provider"] == "file" for r in answer.json()) >= 8:
                break
            time.sleep(0.1)
        yield ComposeGateway(
            http=f"http://127.0.0.1:{http_port}",
            https=f"https://127.0.0.1:{https_port}",
            admin=admin,
            https_port=https_port,
            ca=ca,
            log=group.log("traefik"),
        )


def test_plain_http_redirects_to_https(compose_gateway: ComposeGateway) -> None:
    for path in ("/", "/auth/login", "/api/chats?x=1"):
        answer = httpx.get(compose_gateway.http + path)
        assert answer.status_code in {301, 308}, path
        assert answer.headers["location"] == (
            f"https://127.0.0.1:{compose_gateway.https_port}{path}"
        )


def test_https_serves_every_route_with_the_mounted_certificate(
    compose_gateway: ComposeGateway,
) -> None:
    context = ssl.create_default_context(cafile=str(compose_gateway.ca))
    with httpx.Client(verify=context) as client:
        for path in ("/auth/login", "/api/chats", "/"):
            answer = client.get(compose_gateway.https + path)
            # Routed (the upstreams are not running here), not Traefik's 404 for "no router".
            assert answer.status_code in {502, 503}, (path, answer.status_code)
            assert answer.headers.get("x-request-id"), path  # our middlewares ran
    routers = httpx.get(f"{compose_gateway.admin}/api/http/routers").json()
    secure = [r for r in routers if r["provider"] == "file" and "websecure" in r["entryPoints"]]
    assert len(secure) == 4 and all("tls" in r and r["status"] == "enabled" for r in secure)
    assert not any("traefik" in r["entryPoints"] for r in routers if r["provider"] == "file")


def test_trusted_proxies_come_from_the_variable(compose_gateway: ComposeGateway) -> None:
    entrypoints = {
        e["name"]: e for e in httpx.get(f"{compose_gateway.admin}/api/entrypoints").json()
    }
    for name in ("web", "websecure"):
        entrypoint = entrypoints[name]
        assert entrypoint["forwardedHeaders"]["trustedIPs"] == TRUSTED_PROXIES.split(","), name
        assert entrypoint["proxyProtocol"]["trustedIPs"] == TRUSTED_PROXIES.split(","), name
    assert not entrypoints["traefik"].get("forwardedHeaders", {}).get("trustedIPs")


def test_traefik_logs_no_error(compose_gateway: ComposeGateway) -> None:
    httpx.get(compose_gateway.http + "/")
    log = compose_gateway.log.read_text()
    assert not re.search(r"\"level\":\"error\"", log), log[-2000:]
