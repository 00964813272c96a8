"""The whole stack as separate processes for tests: prepare it, run it, stop it all."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from parley_devstack.config import DevSettings
from parley_devstack.processes import ProcessGroup
from parley_devstack.stack import StackPlan, prepare_stack


@dataclass
class RunningStack:
    """A started stack: its plan (settings, databases, keys) and its processes."""

    plan: StackPlan
    group: ProcessGroup

    @property
    def settings(self) -> DevSettings:
        return self.plan.settings

    @property
    def url(self) -> str:
        """The public entrypoint of the gateway."""
        return self.settings.gateway_url

    @property
    def admin_url(self) -> str:
        """The gateway's private entrypoint (ping, metrics, dashboard)."""
        return self.settings.admin_url

    @property
    def chat_names(self) -> list[str]:
        return [p.name for p in self.plan.processes if p.name.startswith("chat")]

    def restart(self, name: str, timeout: float = 60.0) -> None:
        """Start a stopped or killed process again; return once the gateway routes to it."""
        self.group.restart(name, timeout)
        wait_upstreams_up(self.admin_url, timeout)

    def direct(self, name: str) -> str:
        """A process's own address, bypassing the gateway."""
        s = self.settings
        ports = {"auth": s.auth_port, "llm-stub": s.llm_stub_port, "web": s.web_port}
        ports.update(dict(zip(self.chat_names, s.chat_ports, strict=True)))
        return f"http://{s.bind_host}:{ports[name]}"


@contextlib.contextmanager
def running_stack(
    settings: DevSettings,
    log_dir: Path,
    *,
    service_env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> Iterator[RunningStack]:
    """Prepare and start every process of the stack; stop them and the database on exit."""
    plan = prepare_stack(settings, service_env=service_env, log=lambda _msg: None)
    try:
        group = ProcessGroup(plan.processes, log_dir)
        group.start(timeout)
        try:
            wait_upstreams_up(settings.admin_url, timeout)
            yield RunningStack(plan, group)
        finally:
            group.stop()
    finally:
        plan.close()


def wait_upstreams_up(
    admin_url: str, timeout: float = 30.0, services: Collection[str] | None = None
) -> None:
    """Wait until Traefik's health checks see every server of every file-provider pool UP.

    A process answering its own ready URL is not enough: Traefik marks servers down while
    they start and only looks again at the next health-check interval. ``services`` limits
    the wait to those pools (e.g. ``{"auth@file"}``).
    """
    deadline = time.monotonic() + timeout
    pending: list[str] = []
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            answer = client.get(f"{admin_url}/api/http/services")
            if answer.status_code != 200:  # /ping answers before the API router exists
                time.sleep(0.2)
                continue
            pools = answer.json()
            pending = [
                f"{pool['name']} {url}"
                for pool in pools
                if pool.get("provider") == "file" and (services is None or pool["name"] in services)
                for url, status in pool.get("serverStatus", {}).items()
                if status != "UP"
            ]
            if not pending:
                return
            time.sleep(0.2)
    raise TimeoutError(f"the gateway still sees these servers down: {pending}")
