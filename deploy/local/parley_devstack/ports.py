"""Find taken ports before anything starts, and say which setting moves them."""

from __future__ import annotations

import random
import re
import socket
from collections.abc import Mapping


class PortInUseError(RuntimeError):
    """A port of the stack is taken; the message names the port and its setting."""

    def __init__(self, port: int, setting: str) -> None:
        self.port = port
        self.setting = setting
        found = re.match(r"[A-Z_]+", setting)
        name = found.group(0) if found else setting
        super().__init__(
            f"Port {port} is already in use (setting {setting}). Stop whatever listens there, "
            f"or pick another port, e.g. `{name}={port + 100} make dev`."
        )


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR as our servers use it: connections of a stopped run lingering in
        # TIME_WAIT do not count, a process listening on the port still does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(host: str, ports: Mapping[str, int]) -> None:
    """Raise PortInUseError for the first taken port, or for one chosen twice."""
    seen: dict[int, str] = {}
    for setting, port in ports.items():
        if port in seen:
            raise PortInUseError(port, f"{setting}, also chosen by {seen[port]}")
        seen[port] = setting
        if not port_is_free(host, port):
            raise PortInUseError(port, setting)


def free_port_block(count: int, host: str = "127.0.0.1") -> int:
    """First of ``count`` consecutive ports that are free now (tests run beside `make dev`).

    Picked below Linux's ephemeral range (32768+), where outgoing connections of a busy
    machine would otherwise grab a port between this check and the server's bind.
    """
    rng = random.SystemRandom()
    for _ in range(500):
        base = rng.randrange(20000, 32000 - count)
        if all(port_is_free(host, base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no block of {count} free ports found")
