"""Oversized request bodies get 413 through the gateway, before authentication; valid ones pass.

Without a token, so the answer can only come from before authentication; with Content-Length
(refused before a byte is read) and chunked (refused once the count passes the limit).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from parley_devstack import RunningStack

from .conftest import new_user_token

pytestmark = pytest.mark.timeout(300)

JSON = {"Content-Type": "application/json"}


def chunked(data: bytes, piece: int = 16 * 1024) -> Iterator[bytes]:
    """The body without Content-Length: httpx sends it with Transfer-Encoding: chunked."""
    for start in range(0, len(data), piece):
        yield data[start : start + piece]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
@pytest.mark.parametrize(
    ("path", "size", "limit"),
    [
        ("/api/chats", 70 * 1024, "64 KiB"),
        (f"/api/chats/{uuid.uuid4()}/messages", 600 * 1024, "512 KiB"),
        ("/auth/register", 20 * 1024, "16 KiB"),
        ("/auth/users/me", 20 * 1024, "16 KiB"),
    ],
)
def test_oversized_bodies_get_413_before_authentication(
    stack: RunningStack, path: str, size: int, limit: str, framing: str
) -> None:
    data = json.dumps({"title": "x" * size}).encode()
    content = data if framing == "content-length" else chunked(data)
    method = "PATCH" if path == "/auth/users/me" else "POST"
    transport = httpx.HTTPTransport(local_address="127.0.0.23")
    with httpx.Client(base_url=stack.url, transport=transport, timeout=30) as client:
        answer = client.request(method, path, content=content, headers=JSON)
    assert answer.status_code == 413, answer.text
    assert answer.json() == {"detail": f"request body too large (limit {limit})"}


def test_the_largest_message_body_passes_the_limit(stack: RunningStack) -> None:
    token = new_user_token(stack, "127.0.0.24")
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        chat = client.post("/api/chats", json={}).json()
        url = f"/api/chats/{chat['id']}/messages"
        # 32,000 characters (the schema's maximum), each escaped as a surrogate pair: 384 KB,
        # six times the default limit. The body limit lets it through to the service, whose
        # token budget then refuses it as too long for the model (not too large a body).
        data = json.dumps({"content": "\U0001f600" * 32_000}, ensure_ascii=True).encode()
        assert len(data) > 380_000
        refused = client.post(url, content=data, headers=JSON)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"]["code"] == "message_too_long"
        # 32,000 plain characters fit the default model budget: answered in full.
        events: list[str] = []
        with client.stream("POST", url, json={"content": "word " * 6_400}) as reply:
            assert reply.status_code == 200, reply.read()
            for line in reply.iter_lines():
                if line.startswith("event: "):
                    events.append(line[7:])
    assert events[0] == "run.started" and events[-1] == "run.completed", events
