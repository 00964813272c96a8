"""A user's whole journey through the real gateway, and what the gateway keeps out."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from parley_devstack import RunningStack as Stack

# The first test also pays for starting the whole stack (slow on a busy machine).
pytestmark = pytest.mark.timeout(300)

PASSWORD = "a long enough passphrase"


def client_from(ip: str, stack: Stack) -> httpx.Client:
    """A client with its own loopback source address: the gateway limits per client IP."""
    return httpx.Client(
        base_url=stack.url, transport=httpx.HTTPTransport(local_address=ip), timeout=30
    )


@dataclass
class Event:
    name: str
    data: dict[str, Any]
    arrived: float


def read_events(response: httpx.Response) -> Iterator[Event]:
    """Server-sent events as they arrive, each stamped with its arrival time."""
    name, data = "message", list[str]()
    for line in response.iter_lines():
        if line == "":
            if data:
                yield Event(name, json.loads("\n".join(data)), time.monotonic())
            name, data = "message", list[str]()
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


def in_logs(stack: Stack, names: list[str], text: str, timeout: float = 5.0) -> bool:
    """Whether ``text`` shows up in these processes' logs (lines land just after a response)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in stack.group.log(name).read_text() for name in names):
            return True
        time.sleep(0.1)
    return False


def register_and_login(client: httpx.Client) -> tuple[str, dict[str, Any]]:
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    registered = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    # Asked for explicitly: the body carries the refresh token too (a non-browser client).
    login = client.post(
        "/auth/login",
        data={"username": email, "password": PASSWORD},
        headers={"X-Refresh-Token-Delivery": "body"},
    )
    assert login.status_code == 200, login.text
    return email, login.json()


def test_register_login_chat_stream_list_get_refresh_logout(stack: Stack) -> None:
    with client_from("127.0.0.2", stack) as client:
        _, tokens = register_and_login(client)
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

        request_id = f"journey-{uuid.uuid4().hex}"
        created = client.post(
            "/api/chats",
            json={"title": "Through the gateway"},
            headers={**bearer, "X-Request-Id": request_id},
        )
        assert created.status_code == 201, created.text
        assert created.headers["x-request-id"] == request_id
        # The id the client (or the gateway) chose is the one in the chat service's log.
        assert in_logs(stack, stack.chat_names, request_id)
        chat_id = created.json()["id"]

        with client.stream(
            "POST",
            f"/api/chats/{chat_id}/messages",
            json={"content": "hello gateway"},
            headers=bearer,
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["x-request-id"]
            events = list(read_events(response))
        names = [e.name for e in events]
        assert names[0] == "run.started" and names[-1] == "run.completed", names
        deltas = [e for e in events if e.name == "message.delta"]
        assert len(deltas) >= 5
        # One by one, not in one lump: the stub spaces words by STUB_DELAY_MS.
        spread = deltas[-1].arrived - deltas[0].arrived
        delay = (stack.settings.llm_stub_delay_ms or 0) / 1000
        assert delay > 0 and spread > (len(deltas) - 2) * delay * 0.5, spread
        reply = "".join(e.data["text"] for e in deltas)
        assert "hello gateway" in reply

        listed = client.get("/api/chats", headers=bearer)
        assert listed.status_code == 200
        assert [c["id"] for c in listed.json()["items"]] == [chat_id]

        chat = client.get(f"/api/chats/{chat_id}", headers=bearer).json()
        messages = [(m["role"], m["content"], m["status"]) for m in chat["messages"]]
        assert messages == [
            ("user", "hello gateway", "completed"),
            ("assistant", reply, "completed"),
        ]

        # The refresh cookie (Path=/auth) comes back through the gateway and rotates.
        refreshed = client.post("/auth/refresh")
        assert refreshed.status_code == 200, refreshed.text
        new_bearer = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
        assert client.get(f"/api/chats/{chat_id}", headers=new_bearer).status_code == 200

        assert client.post("/auth/logout").status_code == 204
        assert client.post("/auth/refresh").status_code == 401
        replay = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert replay.status_code == 401


def test_login_rate_limit_answers_429_with_retry_after(stack: Stack) -> None:
    statuses: list[int] = []
    with client_from("127.0.0.3", stack) as client:
        for attempt in range(60):
            # A new email each time: the 429 must come from the gateway's per-IP limit,
            # not from auth's per-account throttle.
            answer = client.post(
                "/auth/login",
                data={"username": f"guess{attempt}@example.com", "password": "x" * 12},
            )
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                assert int(answer.headers["Retry-After"]) >= 1
                break
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) == {400}  # the ones let through reached auth and were refused
    # Another client IP is not affected.
    with client_from("127.0.0.4", stack) as other:
        answer = other.post("/auth/login", data={"username": "x@example.com", "password": "y" * 12})
        assert answer.status_code == 400


def test_lookalike_and_unknown_paths_do_not_reach_chat(stack: Stack) -> None:
    with client_from("127.0.0.5", stack) as client:
        # chat answers its own paths (here: 401 JSON, no token)...
        for path in ("/api", "/api/chats"):
            answer = client.get(path)
            assert answer.headers["content-type"].startswith("application/json"), path
        # ...but never these: without a web client, Traefik itself answers 404 in plain text.
        for path in ("/apix", "/apix/chats", "/api-internal", "/unknown", "/auth-x", "/metrics"):
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert answer.text.strip() == "404 page not found", path


def test_metrics_are_served_by_each_service_but_not_through_the_gateway(stack: Stack) -> None:
    for name in ("auth", "chat1", "chat2"):
        direct = httpx.get(f"{stack.direct(name)}/metrics")
        assert direct.status_code == 200 and "# HELP" in direct.text, name
    with client_from("127.0.0.6", stack) as client:
        for path in ("/metrics", "/ping", "/dashboard/", "/auth/metrics"):
            answer = client.get(path)
            assert "# HELP" not in answer.text and answer.text != "OK", path
    # The gateway's own metrics, ping and dashboard live on the private entrypoint.
    assert "traefik_" in httpx.get(f"{stack.admin_url}/metrics").text
    assert httpx.get(f"{stack.admin_url}/ping").text == "OK"
