"""A client that sends broken requests cannot take a service out of the gateway's rotation.

Malformed chunked bodies and uploads closed mid-body are the client's fault: they get a 4xx (or a
closed connection) and must not count as backend failures in Traefik's passive health check,
which would otherwise answer 503 to every other user for a while.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import httpx
import pytest
from parley_devstack import RunningStack

from .conftest import new_user_token

pytestmark = pytest.mark.timeout(300)

BAD_SECONDS = 3.0
MAX_BAD_REQUESTS = 400
# Traefik's passive check would keep a replica out for its failure window (5 s); watching this
# long after the last bad request shows whether anyone else was locked out by it.
WATCH_AFTER_SECONDS = 1.5


def _raw_request(address: tuple[str, int], head: str, body: bytes) -> str:
    """Send bytes, close our side's writing, return the status line (or how it ended)."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head.encode() + body)
        sock.shutdown(socket.SHUT_WR)  # an upload that stops here never finishes
        try:
            reply = sock.recv(64)
        except OSError:
            return "closed"
    if not reply:
        return "closed"
    return reply.split(b"\r\n", 1)[0].decode(errors="replace")


def _bad_requests(address: tuple[str, int], host: str) -> list[str]:
    """Malformed chunked bodies and aborted uploads, on both services, for a few seconds."""
    outcomes: list[str] = []
    deadline = time.monotonic() + BAD_SECONDS
    paths = ["/api/chats", "/auth/users/me"]
    while time.monotonic() < deadline and len(outcomes) < MAX_BAD_REQUESTS:
        path = paths[len(outcomes) % 2]
        if len(outcomes) % 4 < 2:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
            )
            outcomes.append(_raw_request(address, head, b"zz\r\n{}\r\n0\r\n\r\n"))
        else:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                # Under the services' body limits, so they wait for the rest.
                "Content-Length: 8000\r\n\r\n"
            )
            outcomes.append(_raw_request(address, head, b'{"title": "cut'))
    return outcomes


def test_broken_requests_get_4xx_and_lock_nobody_out(stack: RunningStack) -> None:
    headers = {"Authorization": f"Bearer {new_user_token(stack, '127.0.0.21')}"}
    split = urlsplit(stack.url)
    assert split.hostname and split.port
    address = (split.hostname, split.port)
    bad: list[str] = []
    bad_done = threading.Event()

    def attacker() -> None:
        try:
            bad.extend(_bad_requests(address, split.netloc))
        finally:
            bad_done.set()

    seen: Counter[str] = Counter()
    transport = httpx.HTTPTransport(local_address="127.0.0.22")
    with httpx.Client(base_url=stack.url, headers=headers, transport=transport, timeout=30) as c:
        thread = threading.Thread(target=attacker)
        thread.start()
        watch_until = float("inf")
        while time.monotonic() < watch_until:
            if bad_done.is_set() and watch_until == float("inf"):
                watch_until = time.monotonic() + WATCH_AFTER_SECONDS
            for path in ("/api/chats", "/auth/healthz"):
                answer = c.get(path)
                seen[f"{path} {answer.status_code}"] += 1
        thread.join()

    assert len(bad) > 20, bad
    # The broken requests themselves: a client error or a closed connection, never a 5xx.
    statuses = Counter(line.split(" ")[1] if line.startswith("HTTP/") else line for line in bad)
    assert all(s == "closed" or s.startswith("4") for s in statuses), statuses
    # Everyone else was served the whole time.
    assert set(seen) == {"/api/chats 200", "/auth/healthz 200"}, seen
