"""`parley-dev` end to end: announces the URL, serves through the gateway, Ctrl-C stops
everything (embedded PostgreSQL included), and the next start finds the same data and keys."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from parley_devstack.ports import free_port_block

PASSWORD = "a long enough passphrase"


def start(data_dir: Path, base: int) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "GATEWAY_PORT": str(base),
        "GATEWAY_ADMIN_PORT": str(base + 1),
        "AUTH_PORT": str(base + 2),
        "CHAT_PORT": str(base + 3),
        "LLM_STUB_PORT": str(base + 4),
        "WEB_MODE": "off",
        "PASSWORD_HASH_PROFILE": "fast",
    }
    for name in ("AUTH_DATABASE_URL", "CHAT_DATABASE_URL", "LLM_BASE_URL"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "parley-dev")],
        env=env,
        cwd=data_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def wait_for_line(lines: queue.Queue[str], text: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"{text!r} never printed:\n{''.join(seen[-40:])}")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    proc.wait(timeout=30)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's 0700 tmp tree: the embedded server runs as its own system user."""
    path = Path(tempfile.mkdtemp(prefix="parley-dev-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.timeout(300)  # two full starts and stops; slow when the machine is busy
def test_dev_stack_starts_serves_stops_and_keeps_its_data(data_dir: Path) -> None:
    tmp_path = data_dir
    base = free_port_block(5)
    url = f"http://127.0.0.1:{base}"
    email = f"dev-{uuid.uuid4().hex[:8]}@example.com"

    proc, lines = start(tmp_path, base)
    try:
        wait_for_line(lines, f"Parley is running at http://localhost:{base}")
        registered = httpx.post(f"{url}/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
    finally:
        stop(proc)
    postgres = tmp_path / "postgres"
    assert not (postgres / "postmaster.pid").exists()  # the database stopped with the rest
    for port in range(base, base + 5):
        with httpx.Client() as client:
            try:
                client.get(f"http://127.0.0.1:{port}/", timeout=1)
                raise AssertionError(f"something still listens on {port}")
            except httpx.TransportError:
                pass
    key = (tmp_path / "keys" / "signing-key.pem").read_bytes()

    proc, lines = start(tmp_path, base)
    try:
        wait_for_line(lines, "Parley is running")
        login = httpx.post(f"{url}/auth/login", data={"username": email, "password": PASSWORD})
        assert login.status_code == 200, login.text  # same database, same user
        token = login.json()["access_token"]
        # Same signing key: chat (verifying with the JWKS file) accepts the new token.
        chats = httpx.get(f"{url}/api/chats", headers={"Authorization": f"Bearer {token}"})
        assert chats.status_code == 200
    finally:
        stop(proc)
    assert (tmp_path / "keys" / "signing-key.pem").read_bytes() == key
