"""What the admin role does not give: members are refused on every admin route, and admins
read nobody's chats (the admin API is about the model catalog, keys, budgets and usage
sums only)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.routing import iter_route_contexts
from parley_chat.app import create_app
from parley_chat.config import Settings

from .catalog_support import headers
from .conftest import Chat

ADMIN_PREFIX = "/api/admin"


def admin_routes(settings: Settings) -> list[tuple[str, str]]:
    """Every (method, path) the app serves under /api/admin, ids filled in with the LLM_*
    shortcut's provider and model (they exist: a member must be refused before lookup)."""
    ids = {
        "provider_id": "default",
        "model_id": "stub-model",
        "key_id": str(uuid.uuid4()),
        "budget_id": str(uuid.uuid4()),
    }
    found: list[tuple[str, str]] = []
    # Through included routers, as the app resolves them (their prefixes applied).
    for route in iter_route_contexts(create_app(settings).routes):
        template, methods = route.path_format, route.methods
        if template and methods and template.startswith(ADMIN_PREFIX):
            path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)
            found.extend((method, path) for method in sorted(methods) if method != "HEAD")
    return found


async def test_a_member_is_refused_on_every_admin_route(chat: Chat, make_settings: Any) -> None:
    routes = admin_routes(make_settings())
    assert len(routes) >= 10  # the enumeration found the catalog API
    member = headers(chat)
    body = {"id": "x", "provider": "default", "base_url": "http://x/v1"}
    for method, path in routes:
        json = body if method in ("POST", "PATCH", "PUT") else None
        response = await chat.http.request(method, path, json=json, headers=member)
        assert (response.status_code, response.json()) == (403, {"detail": "admin only"}), (
            method,
            path,
        )
        anonymous = await chat.http.request(method, path, json=json)
        assert anonymous.status_code == 401, (method, path)


async def test_an_admin_cannot_read_another_users_chat(chat: Chat, make_settings: Any) -> None:
    alice = chat.user("alice")
    secret = f"my private words {uuid.uuid4()}"
    chat_id = (await chat.create_chat(alice, title="private"))["id"]
    events = await chat.send(alice, chat_id, secret)
    run_id = events[0].data["run_id"]
    admin = headers(chat, "admin")

    for path in (
        f"/api/chats/{chat_id}",
        f"/api/chats/{chat_id}/runs/{run_id}/events",
    ):
        response = await chat.http.get(path, headers=admin)
        assert response.status_code == 404, (path, response.text)
        assert secret not in response.text
    assert (await chat.http.get("/api/chats", headers=admin)).json()["items"] == []
    for method, path in admin_routes(make_settings()):
        if method == "GET":
            response = await chat.http.get(path, headers=admin)
            assert response.status_code == 200, (path, response.text)
            assert secret not in response.text and chat_id not in response.text, path
    # Nor change it: renaming or deleting is a 404 as for anyone else.
    renamed = await chat.http.patch(f"/api/chats/{chat_id}", json={"title": "x"}, headers=admin)
    assert renamed.status_code == 404
    assert (await chat.http.delete(f"/api/chats/{chat_id}", headers=admin)).status_code == 404
    assert (await chat.get_chat(alice, chat_id))["title"] == "private"
