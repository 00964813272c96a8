"""A taken port stops `parley-dev` at once with a message naming the port and its setting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from parley_devstack.ports import free_port_block, port_is_free


def run_dev(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "parley-dev"
    return subprocess.run(
        [str(script)],
        env={
            **os.environ,
            # Configured databases: the port check must fail before any database work.
            "AUTH_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/auth",
            "CHAT_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/chat",
            "DATA_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )


def test_taken_gateway_port_is_named_with_its_setting(tmp_path: Path) -> None:
    base = free_port_block(6)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base))
        taken.listen()
        result = run_dev(
            {
                "GATEWAY_PORT": str(base),
                "GATEWAY_ADMIN_PORT": str(base + 1),
                "AUTH_PORT": str(base + 2),
                "CHAT_PORT": str(base + 3),
                "LLM_STUB_PORT": str(base + 4),
                "WEB_MODE": "off",
            },
            tmp_path,
        )
    assert result.returncode == 1
    assert f"Port {base} is already in use (setting GATEWAY_PORT)" in result.stderr
    assert f"GATEWAY_PORT={base + 100} make dev" in result.stderr
    assert not (tmp_path / "keys").exists()  # nothing was started or written


def test_the_same_port_chosen_twice_is_reported(tmp_path: Path) -> None:
    base = free_port_block(4)
    result = run_dev(
        {
            "GATEWAY_PORT": str(base),
            "GATEWAY_ADMIN_PORT": str(base + 1),
            "AUTH_PORT": str(base + 2),
            "CHAT_PORT": str(base + 2),
            "LLM_STUB_PORT": str(base + 3),
            "WEB_MODE": "off",
        },
        tmp_path,
    )
    assert result.returncode == 1
    assert f"Port {base + 2}" in result.stderr
    assert "CHAT_PORT" in result.stderr and "AUTH_PORT" in result.stderr


def test_a_port_left_in_time_wait_by_a_stopped_run_counts_as_free() -> None:
    """Restarting right after Ctrl-C must not be refused: only a listener makes a port taken."""
    port = free_port_block(1)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    assert not port_is_free("127.0.0.1", port)
    accepted.close()  # the server side closes first: its end of the connection stays in TIME_WAIT
    time.sleep(0.1)
    client.close()
    server.close()
    assert port_is_free("127.0.0.1", port)
