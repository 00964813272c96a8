"""The services start in production mode with exactly the environment compose and Kubernetes
give them (names, values, file paths), and chat accepts auth's tokens there.

No Docker or cluster here: the containers' commands run as local processes, with the
container paths (/keys, /jwks), host names and ports mapped to local ones, and the secrets
that an operator would provide filled in with test values.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from parley_deploy_checks import REPO_ROOT, load_yaml, load_yaml_all, run_tool
from parley_deploy_checks.compose import interpolate
from parley_devstack import ProcessGroup, ProcessSpec
from parley_devstack.ports import free_port_block
from parley_devstack.stack import executable
from parley_testing import DatabaseFactory

pytestmark = pytest.mark.timeout(300)  # migrations + two services, twice; slow when busy
PASSWORD = "a long enough passphrase"


class Deploy:
    """Maps container paths, names and ports of one deploy to this machine."""

    def __init__(self, tmp: Path, base: int) -> None:
        self.keys = tmp / "keys"
        self.auth_port, self.chat_port = base, base + 1
        self.secrets = {
            "RESET_PASSWORD_TOKEN_SECRET": secrets.token_hex(24),
            "VERIFICATION_TOKEN_SECRET": secrets.token_hex(24),
            "SESSION_SECRET": secrets.token_hex(24),
            "SERVICE_TOKEN": secrets.token_hex(24),
            "AUTH_DB_PASSWORD": "unused",
            "CHAT_DB_PASSWORD": "unused",
            "LLM_API_KEY": "unused",
        }

    def local(self, value: str) -> str:
        value = value.replace("/keys/", f"{self.keys}/").replace("/jwks/", f"{self.keys}/")
        value = value.replace("http://auth:8001", f"http://127.0.0.1:{self.auth_port}")
        return value

    def args(self, args: list[str], port: int) -> list[str]:
        mapping = {"0.0.0.0": "127.0.0.1", "8001": str(port), "8002": str(port)}  # noqa: S104
        return [mapping.get(a, a) for a in args]


def start_and_check(
    tmp: Path,
    deploy: Deploy,
    auth_env: dict[str, str],
    chat_env: dict[str, str],
    auth_args: list[str],
    chat_args: list[str],
) -> None:
    for env, what in ((auth_env, "auth"), (chat_env, "chat")):
        assert env["ENV"] == "production", what
        migrate = subprocess.run(
            [executable(f"parley-{what}"), "migrate"],
            env={"PATH": str(Path(sys.executable).parent), **env},
            capture_output=True,
            text=True,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    specs = [
        ProcessSpec(
            "auth",
            [executable("parley-auth"), *deploy.args(auth_args, deploy.auth_port)],
            auth_env,
            None,
            f"http://127.0.0.1:{deploy.auth_port}/auth/readyz",
        ),
        ProcessSpec(
            "chat",
            [executable("parley-chat"), *deploy.args(chat_args, deploy.chat_port)],
            chat_env,
            None,
            f"http://127.0.0.1:{deploy.chat_port}/api/readyz",
        ),
    ]
    with ProcessGroup(specs, tmp / "logs"):
        auth = f"http://127.0.0.1:{deploy.auth_port}"
        email = f"env-{uuid.uuid4().hex[:8]}@example.com"
        registered = httpx.post(
            f"{auth}/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text
        login = httpx.post(f"{auth}/auth/login", data={"username": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        chats = httpx.get(
            f"http://127.0.0.1:{deploy.chat_port}/api/chats",
            headers={"Authorization": f"Bearer {token}"},
        )
        # Chat took auth's token (not a 401) and, in production, wants a verified email first.
        assert chats.status_code == 403, chats.text
        assert chats.json()["detail"] == "EMAIL_NOT_VERIFIED"


@pytest.fixture
def deploy(tmp_path: Path) -> Iterator[Deploy]:
    deploy = Deploy(tmp_path, free_port_block(2))
    keys = subprocess.run(
        [executable("parley-auth"), "keys", "generate", "--dir", str(deploy.keys)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert keys.returncode == 0, keys.stderr
    yield deploy


def test_compose_environment_runs_in_production_mode(
    deploy: Deploy, database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    services = load_yaml(REPO_ROOT / "docker-compose.yml")["services"]
    assert services["keys"]["command"][:2] == ["keys", "generate"]

    def env_of(name: str, database_url: str) -> dict[str, str]:
        raw: dict[str, Any] = services[name]["environment"]
        env = {k: deploy.local(interpolate(str(v), deploy.secrets)) for k, v in raw.items()}
        # Each service as its own role (deploy/compose/initdb.sh; test_database_roles.py).
        assert env["DATABASE_URL"] == f"postgresql://parley_{name}:unused@postgres:5432/{name}"
        return {**env, "DATABASE_URL": database_url}  # the compose host `postgres` is not here

    start_and_check(
        tmp_path,
        deploy,
        env_of("auth", database_factory.create()),
        env_of("chat", database_factory.create()),
        ["serve", "--host", "0.0.0.0", "--port", "8001"],  # noqa: S104 - the images' CMD
        ["serve", "--host", "0.0.0.0", "--port", "8002"],  # noqa: S104
    )


def test_kubernetes_environment_runs_in_production_mode(
    deploy: Deploy, database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    built = run_tool("kubectl", "kustomize", "deploy/k8s/overlays/prod")
    assert built.returncode == 0, built.stderr
    docs = load_yaml_all(built.stdout)
    config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    provided = {  # what the operator creates (deploy/README.md)
        ("parley-database", "AUTH_DATABASE_URL"): database_factory.create(),
        ("parley-database", "CHAT_DATABASE_URL"): database_factory.create(),
        ("parley-llm", "LLM_API_KEY"): "unused",
        ("parley-service-token", "SERVICE_TOKEN"): deploy.secrets["SERVICE_TOKEN"],
    }
    operator_secrets = {"parley-auth-secrets": deploy.secrets}

    def container(name: str) -> tuple[dict[str, str], list[str]]:
        (deployment,) = [
            d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == name
        ]
        (spec,) = deployment["spec"]["template"]["spec"]["containers"]
        env: dict[str, str] = {}
        for source in spec.get("envFrom", []):
            if "configMapRef" in source:
                env.update(config_maps[source["configMapRef"]["name"]])
            else:
                env.update(
                    {
                        k: v
                        for k, v in operator_secrets[source["secretRef"]["name"]].items()
                        if k.endswith("_SECRET")
                    }
                )
        for item in spec.get("env", []):
            if "value" in item:
                env[item["name"]] = item["value"]
            else:
                ref = item["valueFrom"]["secretKeyRef"]
                env[item["name"]] = provided[(ref["name"], ref["key"])]
        return {k: deploy.local(v) for k, v in env.items()}, spec["args"]

    auth_env, auth_args = container("auth")
    chat_env, chat_args = container("chat")
    start_and_check(tmp_path, deploy, auth_env, chat_env, auth_args, chat_args)
