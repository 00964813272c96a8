"""Run ASGI apps on real sockets for tests, run a service's ``serve`` command as an operator
would, and drive the LLM stub's control endpoints."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

HOST = "127.0.0.1"


def free_port() -> int:
    """A port free right now on 127.0.0.1 (racy: prefer ``serve_asgi``, which keeps its socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_asgi(
    app: ASGIApp,
    *,
    log_level: str = "warning",
    startup_timeout: float = 15.0,
    graceful_shutdown_s: int = 1,
) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a daemon thread; yields ``http://127.0.0.1:<port>``.

    The socket is bound before uvicorn starts, so there is no window for another process to take
    the port. Lifespan events run. The app runs on its own event loop in another thread, so it
    must create its own connections/pools (in its lifespan), not share the test's. Requests still
    open at exit (a hung stream) are cancelled after ``graceful_shutdown_s``.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        # As `parley-* serve`: the apps apply X-Forwarded-* themselves (FORWARDED_ALLOW_IPS).
        proxy_headers=False,
        timeout_graceful_shutdown=graceful_shutdown_s,
    )
    server = uvicorn.Server(config)

    def run() -> None:
        # uvicorn installs no signal handlers outside the main thread; on a failed startup it
        # calls sys.exit(), which must not escape as an unhandled thread exception.
        with contextlib.suppress(SystemExit):
            server.run(sockets=[sock])

    thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn exited during startup (see its log above)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"uvicorn did not start within {startup_timeout} s")
            time.sleep(0.005)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=graceful_shutdown_s + 10)
        sock.close()


@dataclass
class ServedCommand:
    """A ``python -m <module> serve`` process: its ``url``, the ``process``, and, once the
    ``serve_command`` block has ended, everything it wrote (stdout and stderr) in ``output``."""

    url: str
    process: subprocess.Popen[str]
    output: str = ""

    def assert_shut_down_gracefully(self) -> None:
        """After the block: uvicorn shut down gracefully, then re-raised SIGTERM as its status."""
        assert self.process.returncode in (0, -15), self.output
        assert "Application shutdown complete" in self.output


@contextlib.contextmanager
def serve_command(
    module: str, env: Mapping[str, str], ready_path: str, *, ready_timeout: float = 30.0
) -> Iterator[ServedCommand]:
    """Start ``python -m <module> serve --port <free port>`` and wait for ``ready_path`` to be 200.

    Fails the test if the process exits or is not ready within ``ready_timeout``. At the end of
    the block a process still running is sent SIGTERM; its output is then collected.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "serve", "--port", str(port)],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = ServedCommand(f"http://{HOST}:{port}", process)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                if httpx.get(served.url + ready_path, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.1)
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
        served.output, _ = process.communicate(timeout=30)


class LlmStub:
    """Handle on a running LLM stub: its ``base_url`` (ending in ``/v1``) and control endpoints.

    Works for the in-process ``llm_stub`` fixture and for a stub started elsewhere
    (``LlmStub("http://127.0.0.1:8090/v1")``).
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        root = self.base_url.removesuffix("/v1")
        self.root_url = root
        self._http = httpx.Client(base_url=root, timeout=10.0)

    def requests(self) -> list[dict[str, Any]]:
        """Bodies of the chat completion requests received, oldest first (last 200 kept)."""
        response = self._http.get("/stub/requests")
        response.raise_for_status()
        bodies: list[dict[str, Any]] = response.json()
        return bodies

    def last_request(self) -> dict[str, Any]:
        """The most recent chat completion request body (AssertionError when there is none)."""
        bodies = self.requests()
        assert bodies, "the LLM stub has received no chat completion request"
        return bodies[-1]

    def stats(self) -> dict[str, int]:
        """``requests_total`` and ``in_flight`` (completions being answered right now)."""
        response = self._http.get("/stub/stats")
        response.raise_for_status()
        stats: dict[str, int] = response.json()
        return stats

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until the stub answers no completion (e.g. an abandoned stream has stopped)."""
        deadline = time.monotonic() + timeout
        while self.stats()["in_flight"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the LLM stub is still busy after {timeout} s")
            time.sleep(0.01)

    def clear(self) -> None:
        """Forget the recorded requests."""
        self._http.delete("/stub/requests").raise_for_status()

    def config(self) -> dict[str, Any]:
        """The stub's current server-wide settings."""
        response = self._http.get("/stub/config")
        response.raise_for_status()
        current: dict[str, Any] = response.json()
        return current

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change server-wide settings (``fail_mode``, ``reply_words``, ``delay_ms``, ...)."""
        response = self._http.post("/stub/config", json=changes)
        if response.status_code != 200:
            raise ValueError(f"stub refused {changes}: {response.text}")
        current: dict[str, Any] = response.json()
        return current

    def reset(self) -> None:
        """Back to the startup settings, with no recorded requests."""
        self._http.delete("/stub/config").raise_for_status()
        self.clear()

    @contextlib.contextmanager
    def configured(self, **changes: Any) -> Iterator[LlmStub]:
        """``configure(**changes)`` for the ``with`` block, then the startup settings again."""
        self.configure(**changes)
        try:
            yield self
        finally:
            self._http.delete("/stub/config").raise_for_status()

    def close(self) -> None:
        self._http.close()


@contextlib.contextmanager
def running_llm_stub() -> Iterator[LlmStub]:
    """A fresh offline LLM stub over real HTTP on its own port (``.base_url`` ends in ``/v1``)."""
    from parley_llm_stub.app import create_app  # imported here so other suites don't pay for it
    from parley_llm_stub.config import StubConfig

    with serve_asgi(create_app(StubConfig())) as url:
        stub = LlmStub(url + "/v1")
        try:
            yield stub
        finally:
            stub.close()
