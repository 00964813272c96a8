"""Start the stack's processes for tests: each on its own, so a test can kill one replica.

`make dev` uses honcho instead, which (rightly, for a developer) stops everything when one
process dies; a resilience test needs the opposite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import httpx

from parley_devstack.stack import ProcessSpec


class ProcessGroup:
    """Runs ProcessSpecs with their output in ``log_dir``; stops them all on exit."""

    def __init__(self, specs: Iterable[ProcessSpec], log_dir: Path) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> ProcessGroup:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            for name in self.specs:
                self._spawn(name)
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str) -> None:
        spec = self.specs[name]
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(  # noqa: S603 - argv from our plan
                spec.argv,
                env={**os.environ, **spec.env},
                cwd=spec.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def restart(self, name: str, timeout: float = 60.0) -> None:
        """Start a stopped (or killed) process again and wait until it is ready."""
        if self.procs[name].poll() is None:
            raise RuntimeError(f"{name} is still running")
        self._spawn(name)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Wait until every process answers its ready URL; fail naming the laggard."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            for name, spec in self.specs.items():
                while spec.ready_url:
                    if self.procs[name].poll() is not None:
                        raise RuntimeError(f"{name} exited early; see {self.log(name)}")
                    try:
                        if client.get(spec.ready_url).status_code < 500:  # a redirect means up
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"{name} not ready after {timeout}s; see {self.log(name)}"
                        )
                    time.sleep(0.1)

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to one process (and its children) and reap it."""
        proc = self.procs[name]
        os.killpg(proc.pid, sig)
        proc.wait(timeout=10)

    def stop(self, grace: float = 10.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
