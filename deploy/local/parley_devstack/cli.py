"""`parley-dev` (what `make dev` runs): the whole stack under honcho, Ctrl-C stops it all."""

from __future__ import annotations

import os
import shlex
import sys
import threading
import time

import httpx
from honcho.manager import Manager

from parley_devstack.config import DevSettings
from parley_devstack.ports import PortInUseError
from parley_devstack.running import wait_upstreams_up
from parley_devstack.stack import StackPlan, prepare_stack


def _announce_when_ready(plan: StackPlan, stop: threading.Event, timeout: float = 180.0) -> None:
    """Print the URL once the gateway and every service answer (web may still be compiling)."""
    pending = [p.ready_url for p in plan.processes if p.ready_url and p.name != "web"]
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while pending and not stop.is_set():
            try:
                if client.get(pending[0]).status_code < 500:
                    pending.pop(0)
                    continue
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                print(f"parley-dev: still waiting for {pending[0]}; see the logs above", flush=True)
                return
            stop.wait(0.2)
    try:
        # Traefik only routes to a server once its health check has seen it up.
        wait_upstreams_up(plan.settings.admin_url, 90.0, services={"auth@file", "chat@file"})
    except (TimeoutError, httpx.HTTPError) as exc:
        print(f"parley-dev: {exc}", flush=True)
        return
    if not stop.is_set():
        url = plan.settings.public_url
        print(
            f"\n  Parley is running at {url}\n"
            f"  (Traefik dashboard, ping and metrics: {plan.settings.admin_url}/dashboard/)\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )


def main() -> int:
    settings = DevSettings()
    try:
        plan = prepare_stack(
            settings, log=lambda msg: print(f"parley-dev: {msg}", flush=True), stub_models=True
        )
    except PortInUseError as exc:
        print(f"parley-dev: {exc}", file=sys.stderr)
        return 1
    except (RuntimeError, FileNotFoundError) as exc:
        print(f"parley-dev: {exc}", file=sys.stderr)
        return 1
    try:
        manager = Manager()
        for spec in plan.processes:
            manager.add_process(
                spec.name,
                shlex.join(spec.argv),
                env={**os.environ, **spec.env},
                cwd=str(spec.cwd) if spec.cwd else None,
            )
        stop = threading.Event()
        announcer = threading.Thread(target=_announce_when_ready, args=(plan, stop), daemon=True)
        announcer.start()
        manager.loop()
        stop.set()
        return manager.returncode or 0
    finally:
        plan.close()


if __name__ == "__main__":
    sys.exit(main())
