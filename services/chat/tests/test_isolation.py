"""Someone else's chat answers exactly like a missing one, and nothing of theirs gets in."""

from __future__ import annotations

import base64
import json
import uuid

from parley_testing import LlmStub

from .conftest import Chat


async def test_other_user_gets_404_everywhere_and_writes_nothing(chat: Chat, stub: LlmStub) -> None:
    alice, bob = chat.user("alice"), chat.user("bob")
    created = await chat.create_chat(alice, title="Alice's plans")
    chat_id = created["id"]
    events = await chat.send(alice, chat_id, "first message from alice")
    run_id = events[0].data["run_id"]
    before = await chat.get_chat(alice, chat_id)

    missing = str(uuid.uuid4())
    for target in (chat_id, missing):
        attempts = [
            ("GET", f"/api/chats/{target}", None),
            ("PATCH", f"/api/chats/{target}", {"title": "bob was here"}),
            ("DELETE", f"/api/chats/{target}", None),
            ("POST", f"/api/chats/{target}/messages", {"content": "bob-secret-injection"}),
            ("POST", f"/api/chats/{target}/runs/{run_id}/cancel", None),
            ("GET", f"/api/chats/{target}/runs/{run_id}/events", None),
        ]
        for method, path, body in attempts:
            response = await chat.http.request(method, path, json=body, headers=bob.headers)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["detail"] in {"chat not found", "run not found"}

    # Bob's list does not show it; Alice's chat is exactly as it was.
    bob_list = await chat.http.get("/api/chats", headers=bob.headers)
    assert bob_list.json()["items"] == []
    assert await chat.get_chat(alice, chat_id) == before

    # Alice's next model request carries nothing of Bob's.
    stub.clear()
    await chat.send(alice, chat_id, "second message from alice")
    sent = json.dumps(stub.requests())
    assert "bob" not in sent
    assert "first message from alice" in sent


async def test_ids_are_made_by_the_server(chat: Chat) -> None:
    alice = chat.user()
    chosen = str(uuid.uuid4())
    response = await chat.http.post(
        "/api/chats", json={"id": chosen, "title": "mine"}, headers=alice.headers
    )
    assert response.status_code == 201
    assert response.json()["id"] != chosen
    assert uuid.UUID(response.json()["id"])
    assert (await chat.http.get(f"/api/chats/{chosen}", headers=alice.headers)).status_code == 404


def _cursor(stamp: str, chat_id: str) -> str:
    return base64.urlsafe_b64encode(f"{stamp}:{chat_id}".encode()).decode().rstrip("=")


async def test_validation_errors_are_422_json(chat: Chat) -> None:
    alice = chat.user()
    chat_id = (await chat.create_chat(alice))["id"]
    h = alice.headers
    cases = [
        ("POST", f"/api/chats/{chat_id}/messages", {"content": ""}),
        ("POST", f"/api/chats/{chat_id}/messages", {"content": "   "}),
        ("POST", f"/api/chats/{chat_id}/messages", {"content": "x" * 32_001}),
        ("POST", f"/api/chats/{chat_id}/messages", {}),
        ("POST", f"/api/chats/{chat_id}/messages", {"content": 5}),
        ("PATCH", f"/api/chats/{chat_id}", {"title": ""}),
        ("PATCH", f"/api/chats/{chat_id}", {"title": "  "}),
        ("PATCH", f"/api/chats/{chat_id}", {"title": "t" * 201}),
        ("PATCH", f"/api/chats/{chat_id}", {}),
        ("POST", "/api/chats", {"title": "t" * 201}),
        ("GET", "/api/chats?limit=0", None),
        ("GET", "/api/chats?limit=101", None),
        ("GET", "/api/chats?cursor=not-a-cursor", None),
        ("GET", f"/api/chats?cursor={_cursor('99999999999999999999', chat_id)}", None),
        ("GET", f"/api/chats?cursor={_cursor('1', 'nul' + chr(0))}", None),
        ("PATCH", f"/api/chats/{chat_id}", {"title": "\x00"}),
        ("GET", "/api/chats/not-a-uuid", None),
        ("POST", f"/api/chats/{chat_id}/runs/not-a-uuid/cancel", None),
    ]
    for method, path, body in cases:
        response = await chat.http.request(method, path, json=body, headers=h)
        assert response.status_code == 422, (method, path, body, response.text)
        assert "detail" in response.json()
    surrogate = await chat.http.post(
        f"/api/chats/{chat_id}/messages",
        content=b'{"content": "\\ud800 lone surrogate"}',
        headers={**h, "Content-Type": "application/json"},
    )
    assert surrogate.status_code == 422, surrogate.text
    broken = await chat.http.post(
        f"/api/chats/{chat_id}/messages",
        content=b"{not json",
        headers={**h, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    # NUL characters are dropped rather than breaking storage.
    nul = await chat.http.post(
        f"/api/chats/{chat_id}/messages", json={"content": "a\x00b"}, headers=h
    )
    assert nul.status_code == 200 and "run.completed" in nul.text
    # The longest allowed message is accepted; nothing above was stored.
    ok = await chat.http.post(
        f"/api/chats/{chat_id}/messages", json={"content": "y" * 32_000}, headers=h
    )
    assert ok.status_code == 200
    stored = await chat.get_chat(alice, chat_id)
    assert [m["content"] for m in stored["messages"] if m["role"] == "user"] == ["ab", "y" * 32_000]
