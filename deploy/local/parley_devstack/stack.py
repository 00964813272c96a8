"""Prepare the local stack (database, migrations, keys, gateway config) and list its processes.

`make dev` hands the processes to honcho; the system tests start them with `ProcessGroup`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parley_devstack.catalog import write_stub_catalog
from parley_devstack.config import DevSettings
from parley_devstack.gateway import write_gateway_config
from parley_devstack.ports import check_ports
from parley_devstack.postgres import ensure_database, start_embedded
from parley_devstack.secrets import ensure_dev_secrets

STUB_MODEL = "parley-stub"
STUB_API_KEY = "stub-key"  # the stub checks nothing; the OpenAI client insists on a key


@dataclass(frozen=True)
class ProcessSpec:
    """One long-running process of the stack."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    # Answers 2xx once the process serves requests; None when there is nothing to ask.
    ready_url: str | None = None


@dataclass
class StackPlan:
    """What `prepare_stack` set up: the processes to run and the embedded server to stop."""

    settings: DevSettings
    processes: list[ProcessSpec]
    auth_database_url: str
    chat_database_url: str
    keys_dir: Path
    traefik_config: Path
    postgres: Any = None

    def close(self) -> None:
        """Stop the embedded PostgreSQL server, if this plan started one."""
        if self.postgres is not None:
            self.postgres.cleanup()
            self.postgres = None


def executable(name: str) -> str:
    """A console script of this virtualenv (where `uv run` put us), else one on PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: run `uv sync` (or `make bootstrap`) first")
    return found


def _run(argv: list[str], env: Mapping[str, str], what: str, cwd: Path | None = None) -> None:
    result = subprocess.run(  # noqa: S603 - our own console scripts, no shell
        argv, env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(argv)}):\n{result.stdout}{result.stderr}")


def _databases(settings: DevSettings, plan_postgres: list[Any]) -> tuple[str, str]:
    auth_url, chat_url = settings.auth_database_url, settings.chat_database_url
    if auth_url and chat_url:
        return auth_url, chat_url
    server = start_embedded(settings.data_path / "postgres")
    plan_postgres.append(server)
    admin_url: str = server.get_uri()
    return (
        auth_url or ensure_database(admin_url, "auth"),
        chat_url or ensure_database(admin_url, "chat"),
    )


def prepare_stack(
    settings: DevSettings,
    *,
    service_env: Mapping[str, str] | None = None,
    log: Any = print,
    stub_models: bool = False,
) -> StackPlan:
    """Check ports, start the database, migrate, make keys, render the gateway config.

    ``service_env`` is added to the auth and chat processes (tests pass fast hashing, say).
    ``stub_models`` (`parley-dev`): with the stub and no MODELS_FILE, chat gets a catalog of two
    stub models; otherwise chat has the one-model LLM_* shortcut, as the system tests expect.
    """
    check_ports(settings.bind_host, settings.ports())
    data = settings.data_path
    data.mkdir(parents=True, exist_ok=True)
    started: list[Any] = []
    try:
        auth_db, chat_db = _databases(settings, started)
        extra = dict(service_env or {})
        base_env = {"PYTHONUNBUFFERED": "1", "ENV": "development"}

        keys_dir = data / "keys"
        log(f"dev keys in {keys_dir}")
        _run([executable("parley-auth"), "keys", "generate", "--dir", str(keys_dir)], {}, "keys")
        dev_secrets = ensure_dev_secrets(keys_dir)

        auth_env = {
            **base_env,
            "DATABASE_URL": auth_db,
            "SIGNING_KEY_FILES": str(keys_dir / "signing-key.pem"),
            "PUBLIC_BASE_URL": settings.public_url,
            **dev_secrets,
            **extra,
        }
        chat_env = {
            **base_env,
            "DATABASE_URL": chat_db,
            "AUTH_PUBLIC_KEYS_FILE": str(keys_dir / "jwks.json"),
            # The account-change feed: chat learns of password changes and deletions from auth.
            "AUTH_URL": f"http://{settings.bind_host}:{settings.auth_port}",
            "SERVICE_TOKEN": dev_secrets["SERVICE_TOKEN"],
            **_llm_env(settings),
            **chat_models_env(settings, stub_models, log),
            **extra,
        }
        log("applying migrations (auth, chat)")
        _run([executable("parley-auth"), "migrate"], auth_env, "auth migrations")
        _run([executable("parley-chat"), "migrate"], chat_env, "chat migrations")

        traefik_config = write_gateway_config(settings)
        processes = _processes(settings, auth_env, chat_env, traefik_config, log)
    except BaseException:
        for server in started:
            server.cleanup()
        raise
    return StackPlan(
        settings=settings,
        processes=processes,
        auth_database_url=auth_db,
        chat_database_url=chat_db,
        keys_dir=keys_dir,
        traefik_config=traefik_config,
        postgres=started[0] if started else None,
    )


def _llm_env(settings: DevSettings) -> dict[str, str]:
    if settings.uses_stub:
        return {
            "LLM_BASE_URL": f"http://{settings.bind_host}:{settings.llm_stub_port}/v1",
            "LLM_API_KEY": STUB_API_KEY,
            "LLM_MODEL": settings.llm_model or STUB_MODEL,
        }
    env = {"LLM_BASE_URL": str(settings.llm_base_url)}
    if settings.llm_api_key:
        env["LLM_API_KEY"] = settings.llm_api_key
    if settings.llm_model:
        env["LLM_MODEL"] = settings.llm_model
    return env


def chat_models_env(settings: DevSettings, stub_models: bool, log: Any) -> dict[str, str]:
    """MODELS_FILE for chat: the one set, else the dev catalog when asked for, else none."""
    if settings.models_file is not None:
        return {"MODELS_FILE": str(settings.models_file)}
    if not (stub_models and settings.uses_stub and settings.llm_model is None):
        return {}
    base_url = f"http://{settings.bind_host}:{settings.llm_stub_port}/v1"
    path = write_stub_catalog(settings.data_path / "models.yaml", base_url)
    log(f"models: two stub models, catalog in {path}")
    return {"MODELS_FILE": str(path)}


def _processes(
    settings: DevSettings,
    auth_env: dict[str, str],
    chat_env: dict[str, str],
    traefik_config: Path,
    log: Any,
) -> list[ProcessSpec]:
    host = settings.bind_host
    processes: list[ProcessSpec] = []
    if settings.uses_stub:
        argv = [
            executable("parley-llm-stub"),
            "--host",
            host,
            "--port",
            str(settings.llm_stub_port),
        ]
        if settings.llm_stub_delay_ms is not None:
            argv += ["--delay-ms", str(settings.llm_stub_delay_ms)]
        if settings.llm_stub_reply_words is not None:
            argv += ["--reply-words", str(settings.llm_stub_reply_words)]
        stub_url = f"http://{host}:{settings.llm_stub_port}/v1/models"
        processes.append(ProcessSpec("llm-stub", argv, {"PYTHONUNBUFFERED": "1"}, None, stub_url))
    processes.append(
        ProcessSpec(
            "auth",
            [executable("parley-auth"), "serve", "--host", host, "--port", str(settings.auth_port)],
            auth_env,
            None,
            f"http://{host}:{settings.auth_port}/auth/healthz",
        )
    )
    for index, port in enumerate(settings.chat_ports):
        processes.append(
            ProcessSpec(
                "chat" if settings.chat_processes == 1 else f"chat{index + 1}",
                [executable("parley-chat"), "serve", "--host", host, "--port", str(port)],
                chat_env,
                None,
                f"http://{host}:{port}/api/healthz",
            )
        )
    web = settings.web_command
    if web:
        processes.append(_web_process(settings, web, log))
    processes.append(
        ProcessSpec(
            "traefik",
            [executable("traefik"), f"--configFile={traefik_config}"],
            {},
            # Traefik reads its local plugins from ./plugins-local.
            settings.root_dir / "gateway",
            f"http://{host}:{settings.gateway_admin_port}/ping",
        )
    )
    return processes


def _web_process(settings: DevSettings, mode: str, log: Any) -> ProcessSpec:
    web_dir = settings.web_dir
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm not found: install Node.js 20+ or set WEB_MODE=off")
    if not (web_dir / "node_modules").exists():
        log("installing the web client's packages (npm ci)")
        _run([npm, "ci", "--no-audit", "--no-fund"], {}, "npm ci", cwd=web_dir)
    if mode == "start":
        log("building the web client (npm run build)")
        _run([npm, "run", "build"], {}, "npm run build", cwd=web_dir)
    env = {
        "PORT": str(settings.web_port),
        "HOSTNAME": settings.bind_host,
        "NEXT_TELEMETRY_DISABLED": "1",
    }
    argv = [npm, "run", mode]
    if mode == "dev":
        argv += ["--", "--hostname", settings.bind_host]  # loopback only, like everything else
    ready = f"http://{settings.bind_host}:{settings.web_port}/"
    return ProcessSpec("web", argv, env, web_dir, ready)
