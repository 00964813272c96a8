"""The systems under test as real processes on loopback: Parley's stack (via parley_devstack,
the same launcher as `make dev`) plus the AgentOS peer on the same PostgreSQL and stub."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from parley_devstack.config import DevSettings
from parley_devstack.ports import free_port_block
from parley_devstack.postgres import ensure_database
from parley_devstack.processes import ProcessGroup
from parley_devstack.stack import ProcessSpec, StackPlan, prepare_stack
from parley_testing import TestKey, thumbprint

from parley_bench.peer import AGENT_ID

HOST = "127.0.0.1"
# Far above anything a bounded benchmark sends: the gateway's limits are not what we measure.
OPEN_RATE = 100_000


@dataclass
class Stack:
    """Where everything listens, the dev signing key, and the running processes."""

    plan: StackPlan
    group: ProcessGroup
    signing_key: TestKey
    admin_database_url: str
    peer_database_url: str
    peer_url: str | None
    workdir: Path

    @property
    def settings(self) -> DevSettings:
        settings: DevSettings = self.plan.settings
        return settings

    @property
    def gateway_url(self) -> str:
        url: str = self.settings.gateway_url
        return url

    @property
    def auth_url(self) -> str:
        return f"http://{HOST}:{self.settings.auth_port}"

    @property
    def chat_urls(self) -> list[str]:
        return [f"http://{HOST}:{port}" for port in self.settings.chat_ports]

    @property
    def stub_url(self) -> str:
        return f"http://{HOST}:{self.settings.llm_stub_port}"

    @property
    def chat_names(self) -> list[str]:
        count = self.settings.chat_processes
        return ["chat"] if count == 1 else [f"chat{i + 1}" for i in range(count)]

    def pid(self, name: str) -> int:
        pid: int = self.group.procs[name].pid
        return pid

    def cpu_seconds(self, name: str) -> float:
        """User + system CPU time of a process (and its children) so far."""
        proc = psutil.Process(self.pid(name))
        times = proc.cpu_times()
        return float(times.user + times.system + times.children_user + times.children_system)

    def rss_bytes(self, name: str) -> int:
        return int(psutil.Process(self.pid(name)).memory_info().rss)


def _load_key(path: Path) -> TestKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return TestKey(private_key=key, kid=thumbprint(key.public_key()))


@contextlib.contextmanager
def running_stack(
    *,
    chat_processes: int = 1,
    peer: bool = True,
    service_env: Mapping[str, str] | None = None,
    chat_env: Mapping[str, str] | None = None,
    stub_args: list[str] | None = None,
    workdir: Path | None = None,
    log: object = None,
) -> Iterator[Stack]:
    """Start PostgreSQL, stub, auth, chat x N, Traefik (and the peer) on free loopback ports."""
    own_dir = workdir is None
    root = workdir or Path(tempfile.mkdtemp(prefix="parley-bench-"))
    base = free_port_block(6 + chat_processes)
    ports = list(range(base, base + 6 + chat_processes))
    settings = DevSettings(
        bind_host=HOST,
        gateway_port=ports[0],
        gateway_admin_port=ports[1],
        auth_port=ports[2],
        llm_stub_port=ports[3],
        web_port=ports[4],
        # Replicas listen on CHAT_PORT, CHAT_PORT+1...: the end of the free block.
        chat_port=ports[6],
        chat_processes=chat_processes,
        data_dir=root / "data",
        web_mode="off",
        gateway_auth_rate_average=OPEN_RATE,
        gateway_auth_rate_burst=OPEN_RATE,
        gateway_api_rate_average=OPEN_RATE,
        gateway_api_rate_burst=OPEN_RATE,
    )
    peer_port = ports[5]
    quiet = (lambda _msg: None) if log is None else log
    # Like the gateway's limits above: the load registers every user from one address.
    service_env = {"RATE_LIMITS_ENABLED": "false", **(service_env or {})}
    # One virtual user sends turns back to back (hundreds a minute): chat's per-user limits
    # are set out of reach, not off, so their check is still measured on every turn.
    chat_env = {**UNREACHED_USER_LIMITS, **(chat_env or {})}
    plan = prepare_stack(settings, service_env=service_env, log=quiet)
    try:
        processes = list(plan.processes)
        if stub_args or chat_env:
            processes = [_adjust(p, stub_args, chat_env) for p in processes]
        admin_url = plan.postgres.get_uri() if plan.postgres is not None else ""
        peer_db = ensure_database(admin_url, "peer") if admin_url else ""
        key = _load_key(plan.keys_dir / "signing-key.pem")
        if peer:
            public = root / "peer-public.pem"
            public.write_bytes(key.public_pem())
            processes.append(
                ProcessSpec(
                    "peer",
                    [
                        sys.executable,
                        "-m",
                        "parley_bench.peer",
                        "--host",
                        HOST,
                        "--port",
                        str(peer_port),
                    ],
                    {
                        "PEER_DATABASE_URL": peer_db,
                        "PEER_PUBLIC_KEY_FILE": str(public),
                        "LLM_BASE_URL": f"{_stub_url(settings)}/v1",
                        "AGNO_TELEMETRY": "false",
                    },
                    None,
                    f"http://{HOST}:{peer_port}/health",
                )
            )
        group = ProcessGroup(processes, root / "logs")
        group.start(timeout=120)
        try:
            # Traefik sends traffic to a pool only after its first health check passes.
            wait_routed(settings.gateway_url, ("/auth/healthz", "/api/healthz"))
            yield Stack(
                plan=plan,
                group=group,
                signing_key=key,
                admin_database_url=admin_url,
                peer_database_url=peer_db,
                peer_url=f"http://{HOST}:{peer_port}" if peer else None,
                workdir=root,
            )
        finally:
            group.stop()
    finally:
        plan.close()
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)


def wait_routed(gateway: str, paths: tuple[str, ...], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=gateway, timeout=2.0) as http:
        for path in paths:
            while True:
                try:
                    if http.get(path).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the gateway does not route {path} after {timeout} s")
                time.sleep(0.1)


def _stub_url(settings: DevSettings) -> str:
    return f"http://{HOST}:{settings.llm_stub_port}"


def _adjust(
    spec: ProcessSpec, stub_args: list[str] | None, chat_env: Mapping[str, str] | None
) -> ProcessSpec:
    if spec.name == "llm-stub" and stub_args:
        return ProcessSpec(spec.name, [*spec.argv, *stub_args], spec.env, spec.cwd, spec.ready_url)
    if spec.name.startswith("chat") and chat_env:
        return ProcessSpec(spec.name, spec.argv, {**spec.env, **chat_env}, spec.cwd, spec.ready_url)
    return spec


def peer_agent_id() -> str:
    return AGENT_ID


UNREACHED_USER_LIMITS = {"USER_TURNS_PER_MINUTE": "100000", "USER_REPLIES_IN_FLIGHT": "1000"}


def environ_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
